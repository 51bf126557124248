import FaztStorage
import FaztStore
import Testing

@Suite struct SQLStoreTests {
    let harness: StorageHarness

    init() throws {
        harness = try StorageHarness()
        try harness.call(
            "a",
            "sql.exec",
            "CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER DEFAULT 0)"
        )
        try harness.call("b", "sql.exec", "CREATE TABLE todos (id INTEGER PRIMARY KEY, secret TEXT)")
        try harness.call("b", "sql.exec", "INSERT INTO todos (secret) VALUES ('b-only')")
    }

    @Test func plainNamesJustWork() throws {
        #expect(
            try harness.call("a", "sql.exec", "INSERT INTO todos (title) VALUES (?)", #"["write tests"]"#)
                == #"{"changes":1,"lastInsertRowid":1}"#
        )
        try harness.call("a", "sql.exec", "INSERT INTO todos (title, done) VALUES (:t, :d)", #"{"t":"ship","d":true}"#)
        #expect(
            try harness.call(
                "a",
                "sql.query",
                "SELECT todos.id, title, done FROM todos WHERE done = ? ORDER BY id",
                "[1]"
            )
                == #"[{"id":2,"title":"ship","done":1}]"#
        )
        #expect(
            try harness.call(
                "a",
                "sql.query",
                "SELECT t.title FROM todos t JOIN todos AS u ON u.id = t.id WHERE t.id = 1",
                ""
            )
                == #"[{"title":"write tests"}]"#
        )
        try harness.call("a", "sql.exec", "UPDATE todos SET done = 1 WHERE todos.id = 1")
        try harness.call("a", "sql.exec", "CREATE INDEX todos_done ON todos(done)")
        try harness.call("a", "sql.exec", "CREATE VIEW open_todos AS SELECT * FROM todos WHERE done = 0")
        try harness.call("a", "sql.exec", "CREATE TABLE log (msg TEXT)")
        try harness.call(
            "a",
            "sql.exec",
            "CREATE TRIGGER todo_log AFTER INSERT ON todos BEGIN INSERT INTO log VALUES (NEW.title); END"
        )
        try harness.call("a", "sql.exec", "INSERT INTO todos (title) VALUES ('third')")
        #expect(try harness.call("a", "sql.query", "SELECT msg FROM log", "") == #"[{"msg":"third"}]"#)
        #expect(try harness.call("a", "sql.query", "SELECT COUNT(*) AS n FROM open_todos", "") == #"[{"n":1}]"#)
        #expect(
            try harness.call(
                "a",
                "sql.query",
                "WITH recent AS (SELECT * FROM todos WHERE id > 1) SELECT recent.title FROM recent ORDER BY 1",
                ""
            ) == #"[{"title":"ship"},{"title":"third"}]"#
        )
        #expect(
            try harness.call("a", "sql.query", "SELECT value FROM todos, json_each('[7]') WHERE todos.id = 1", "")
                == #"[{"value":7}]"#
        )
        try harness.call(
            "a",
            "sql.exec",
            "INSERT INTO todos (id, title) VALUES (1, 'dup') ON CONFLICT (id) DO UPDATE SET title = excluded.title"
        )
        #expect(try harness.call("a", "sql.query", "SELECT title FROM todos WHERE id = 1", "") == #"[{"title":"dup"}]"#)
        try harness.call("a", "sql.exec", "ALTER TABLE log RENAME TO history")
        try harness.call("a", "sql.exec", "DROP TABLE IF EXISTS history")
        #expect(try harness.call("a", "sql.tables", "") == #"["todos"]"#)
        #expect(try harness.call("a", "sql.query", "PRAGMA table_info(todos)", "").contains("\"title\""))
    }

    @Test func eachAppSeesOnlyItsOwnTables() throws {
        #expect(try harness.call("a", "sql.query", "SELECT * FROM todos", "") == "[]")
        #expect(try harness.call("b", "sql.query", "SELECT secret FROM todos", "") == #"[{"secret":"b-only"}]"#)
        // Any table name the app did not create is simply not there.
        #expect(harness.failure("a", "sql.query", "SELECT * FROM apps", "") == "SQL_ERROR")
        #expect(harness.message("a", "sql.query", "SELECT * FROM tokens", "").contains("no such table: tokens"))
        #expect(
            try harness.call("a", "sql.query", "PRAGMA table_info(apps)", "") == "[]",
            "the kernel's apps table is not visible"
        )
    }

    @Test(arguments: [
        "SELECT * FROM main.apps",
        "SELECT * FROM \"main\".\"tokens\"",
        "SELECT * FROM app_b__todos",
        "SELECT * FROM sqlite_master",
        "SELECT name FROM sqlite_schema",
        "SELECT * FROM sqlite_temp_master",
        "SELECT * FROM temp.sqlite_master",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "DETACH DATABASE main",
        "SELECT load_extension('/tmp/evil.so')",
        "PRAGMA writable_schema = ON",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA user_version",
        "VACUUM",
        "BEGIN",
        "COMMIT",
        "SAVEPOINT s",
        "CREATE TEMP TABLE t (x)",
        "CREATE TABLE temp.t (x)",
        "CREATE VIEW v AS SELECT * FROM main.tokens",
        "INSERT INTO todos SELECT id, name, 0 FROM main.apps",
        "SELECT (SELECT hash FROM tokens)",
        "DELETE FROM todos WHERE id IN (SELECT rowid FROM main.logs)",
        "SELECT * FROM todos; DROP TABLE todos",
        "CREATE TRIGGER t AFTER INSERT ON todos BEGIN DELETE FROM main.apps; END",
        "SELECT * FROM [main].[apps]",
        "SELECT * FROM `main`.apps",
        "ANALYZE",
        "REINDEX",
        "SELECT * FROM pragma_table_info('apps')",
        "WITH tokens AS (SELECT * FROM tokens) SELECT * FROM tokens",
        "SELECT * FROM todos WHERE id IN tokens",
        "CREATE TABLE stolen AS SELECT * FROM main.tokens",
        "CREATE TRIGGER evil AFTER INSERT ON main.kv BEGIN SELECT 1; END",
        "SELECT value FROM kv WHERE 1 IN (WITH kv AS (SELECT 1) SELECT * FROM kv)",
        "SELECT hash FROM tokens UNION ALL SELECT * FROM (WITH tokens AS (SELECT 1) SELECT * FROM tokens)",
        "WITH kv AS (SELECT value FROM kv) SELECT * FROM kv",
        "WITH x AS (SELECT * FROM tokens) SELECT * FROM x",
        "WITH RECURSIVE apps(n) AS (SELECT name FROM apps) SELECT * FROM apps",
        "SELECT name FROM pragma_table_list",
        "SELECT * FROM todos, pragma_database_list",
    ])
    func escapesFailWithAClearError(sql: String) throws {
        let code = harness.failure("a", "sql.exec", sql, "")
        #expect(
            code == "SQL_DENIED" || code == "SQL_ERROR" || code == "INVALID_ARGUMENT",
            "\(sql) → \(code ?? "succeeded")"
        )
        #expect(!harness.message("a", "sql.exec", sql, "").isEmpty)
        // Nothing leaked or changed: the kernel tables and app b are intact.
        #expect(try harness.call("b", "sql.query", "SELECT secret FROM todos", "") == #"[{"secret":"b-only"}]"#)
        let apps = try harness.store.read {
            try $0.queryOne("SELECT COUNT(*) FROM sqlite_master WHERE name = 'apps'") { $0.int(0) }
        }
        #expect(apps == 1)
    }

    @Test func deniedStatementsSayWhy() throws {
        #expect(
            harness.message("a", "sql.exec", "PRAGMA journal_mode = DELETE", "").contains(
                "PRAGMA journal_mode is not allowed"
            )
        )
        #expect(harness.message("a", "sql.exec", "ATTACH DATABASE 'x' AS x", "").contains("ATTACH"))
        #expect(harness.message("a", "sql.query", "SELECT load_extension('x')", "").contains("load_extension"))
        #expect(harness.message("a", "sql.exec", "BEGIN", "").contains("fazt.storage.transaction"))
        #expect(harness.message("a", "sql.exec", "SELECT * FROM main.apps", "").contains("schema-qualified"))
    }

    @Test func batchIsAllOrNothing() throws {
        let ok = try harness.call(
            "a",
            "sql.batch",
            #"["INSERT INTO todos (title) VALUES ('one')", ["INSERT INTO todos (title) VALUES (?)", ["two"]], {"sql":"UPDATE todos SET done = 1"}]"#
        )
        #expect(ok.hasPrefix("[{\"changes\":1") && ok.contains("\"changes\":2"))
        let failing = #"["INSERT INTO todos (title) VALUES ('three')", "INSERT INTO todos (title) VALUES (NULL)"]"#
        #expect(harness.failure("a", "sql.batch", failing) == "CONSTRAINT")
        #expect(try harness.call("a", "sql.query", "SELECT COUNT(*) AS n FROM todos", "") == #"[{"n":2}]"#)
    }

    @Test func anEndlessStatementIsInterrupted() throws {
        let message = try harness.store.writeBlocking { connection -> String in
            let store = SQLStore(connection: connection, app: "a", timeLimit: 200_000_000)
            do {
                _ = try store.query(
                    "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r",
                    nil
                )
                return "finished?"
            } catch {
                return "\(error)"
            }
        }
        #expect(message.contains("SQL_ERROR") && message.contains("interrupted"), "\(message)")
        // The connection is usable afterwards.
        #expect(try harness.call("a", "sql.query", "SELECT 1 AS one", "") == #"[{"one":1}]"#)
    }

    @Test func readOnlyDetectionRoutesWrites() throws {
        let flags = try harness.store.read { connection in
            let store = SQLStore(connection: connection, app: "a")
            return (
                try store.isReadOnly("SELECT * FROM todos"),
                try store.isReadOnly("INSERT INTO todos (title) VALUES ('x') RETURNING id")
            )
        }
        #expect(flags.0 && !flags.1)
    }

    @Test func deletingAnAppDropsEverythingItStored() throws {
        try harness.call("a", "kv.set", "k", "1")
        try harness.call("a", "docs.insert", "c", "{}")
        try harness.call("a", "docs.createIndex", "c", "x")
        try harness.call("a", "blobs.put", "p", "", "etag", data: [1, 2, 3])
        try harness.call("a", "sql.exec", "CREATE VIEW v AS SELECT * FROM todos")
        try harness.store.writeBlocking { try StorageAdmin.deleteAll($0, app: "a") }
        let leftovers = try harness.store.read { connection in
            try connection.queryOne(
                """
                SELECT (SELECT COUNT(*) FROM kv WHERE app = 'a') + (SELECT COUNT(*) FROM docs WHERE app = 'a')
                  + (SELECT COUNT(*) FROM stored_blobs WHERE app = 'a')
                  + (SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'app\\_a\\_\\_%' ESCAPE '\\' OR name LIKE 'docidx_%')
                """
            ) { $0.int(0) }
        }
        #expect(leftovers == 0)
        #expect(try harness.call("b", "sql.query", "SELECT COUNT(*) AS n FROM todos", "") == #"[{"n":1}]"#)
    }
}

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

/// Tables with automatic indexes and fts5 shadow tables (SQLite names them itself).
@Suite struct SQLCommonTableTests {
    let harness: StorageHarness

    init() throws {
        harness = try StorageHarness()
    }

    @Test func uniqueAndTextPrimaryKeysCreateTheirAutomaticIndexes() throws {
        let statements = [
            "CREATE TABLE IF NOT EXISTS u (email TEXT UNIQUE, n INTEGER)",
            "CREATE TABLE t (id TEXT PRIMARY KEY)",
            "CREATE TABLE w (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID",
            "CREATE TABLE c (a INTEGER, b TEXT, v TEXT, PRIMARY KEY (a, b))",
            "CREATE TABLE uc (a TEXT, b TEXT, UNIQUE (a, b))",
        ]
        for statement in statements {
            try harness.call("esm", "sql.exec", statement)
        }
        try harness.call("esm", "sql.exec", "INSERT INTO u (email, n) VALUES ('a@x', 1)")
        #expect(harness.failure("esm", "sql.exec", "INSERT INTO u (email, n) VALUES ('a@x', 2)") == "CONSTRAINT")
        try harness.call("esm", "sql.exec", "INSERT INTO t VALUES ('k1')")
        try harness.call("esm", "sql.exec", "INSERT INTO w VALUES ('k', 'v')")
        try harness.call("esm", "sql.exec", "INSERT INTO c VALUES (1, 'x', 'v')")
        #expect(try harness.call("esm", "sql.query", "SELECT v FROM c WHERE a = 1 AND b = 'x'", "") == #"[{"v":"v"}]"#)
        #expect(try harness.call("esm", "sql.query", "SELECT k FROM w", "") == #"[{"k":"k"}]"#)
        try harness.call("esm", "sql.exec", "DROP TABLE u")
        try harness.call("esm", "sql.exec", "ALTER TABLE t RENAME TO t2")
        try harness.call("esm", "sql.exec", "INSERT INTO t2 VALUES ('k2')")
        #expect(try harness.call("esm", "sql.query", "SELECT COUNT(*) AS n FROM t2", "") == #"[{"n":2}]"#)
    }

    @Test func fts5TablesWorkFromCreateToDrop() throws {
        try harness.call("esm", "sql.exec", "CREATE VIRTUAL TABLE docs USING fts5(body)")
        try harness.call("esm", "sql.exec", "INSERT INTO docs (body) VALUES ('the quick brown fox')")
        try harness.call("esm", "sql.exec", "INSERT INTO docs (body) VALUES ('lazy dogs sleep')")
        #expect(
            try harness.call("esm", "sql.query", "SELECT body FROM docs WHERE docs MATCH ?", #"["quick"]"#)
                == #"[{"body":"the quick brown fox"}]"#
        )
        #expect(
            try harness.call(
                "esm",
                "sql.query",
                "SELECT highlight(docs, 0, '[', ']') AS h FROM docs WHERE docs MATCH 'lazy' ORDER BY bm25(docs)",
                ""
            ) == #"[{"h":"[lazy] dogs sleep"}]"#
        )
        #expect(
            try harness.call("esm", "sql.query", "SELECT body FROM docs WHERE body MATCH 'fox' ORDER BY rank", "")
                == #"[{"body":"the quick brown fox"}]"#
        )
        #expect(try harness.call("esm", "sql.tables").contains(#""docs""#))
        try harness.call("esm", "sql.exec", "DROP TABLE docs")
        #expect(try harness.call("esm", "sql.tables") == "[]")
    }

    @Test func anotherAppCannotTouchAutoIndexedOrFTSTables() throws {
        try harness.call("esm", "sql.exec", "CREATE TABLE u (email TEXT UNIQUE)")
        try harness.call("esm", "sql.exec", "INSERT INTO u VALUES ('secret@x')")
        try harness.call("esm", "sql.exec", "CREATE VIRTUAL TABLE docs USING fts5(body)")
        try harness.call("esm", "sql.exec", "INSERT INTO docs (body) VALUES ('private words')")
        let attempts = [
            "SELECT * FROM app_esm__u",
            "SELECT * FROM app_esm__docs",
            "SELECT * FROM app_esm__docs_content",
            "SELECT * FROM sqlite_autoindex_app_esm__u_1",
            "DROP INDEX sqlite_autoindex_app_esm__u_1",
            "DROP TABLE app_esm__docs",
            "INSERT INTO app_esm__docs_data VALUES (99, x'00')",
        ]
        for attempt in attempts {
            let code = harness.failure("other", attempt.hasPrefix("SELECT") ? "sql.query" : "sql.exec", attempt, "")
            #expect(code != nil, "\(attempt) must fail")
        }
        #expect(try harness.call("other", "sql.exec", "CREATE TABLE u (email TEXT UNIQUE)").contains("changes"))
        #expect(try harness.call("other", "sql.query", "SELECT COUNT(*) AS n FROM u", "") == #"[{"n":0}]"#)
        #expect(try harness.call("esm", "sql.query", "SELECT email FROM u", "") == #"[{"email":"secret@x"}]"#)
    }
}

@Suite struct SQLExecResultTests {
    @Test func onlyInsertsReportARowID() throws {
        let harness = try StorageHarness()
        try harness.call("a", "sql.exec", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        #expect(
            try harness.call("a", "sql.exec", "INSERT INTO t (v) VALUES ('x')") == #"{"changes":1,"lastInsertRowid":1}"#
        )
        #expect(
            try harness.call("b", "sql.exec", "CREATE TABLE IF NOT EXISTS u (n INTEGER)")
                == #"{"changes":0,"lastInsertRowid":null}"#
        )
        #expect(try harness.call("a", "sql.exec", "UPDATE t SET v = 'y'") == #"{"changes":1,"lastInsertRowid":null}"#)
        #expect(
            try harness.call("a", "sql.exec", "UPDATE t SET v = 'z' WHERE id = 99")
                == #"{"changes":0,"lastInsertRowid":null}"#
        )
        #expect(
            try harness.call("a", "sql.exec", "WITH s AS (SELECT 5 AS id) INSERT INTO t (id, v) SELECT id, 'w' FROM s")
                == #"{"changes":1,"lastInsertRowid":5}"#
        )
        #expect(try harness.call("a", "sql.exec", "DELETE FROM t") == #"{"changes":2,"lastInsertRowid":null}"#)
    }
}

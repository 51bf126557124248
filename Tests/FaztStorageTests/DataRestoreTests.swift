import FaztStorage
import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// Data restore points: the per-app changeset journal and restores through it.
@Suite struct DataRestoreTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory()
        var configuration = StoreConfiguration()
        configuration.syncsWAL = false
        configuration.journalsData = true
        store = try Store(path: directory.path + "/data.db", configuration: configuration)
    }

    /// One storage call of `app`, journaled as the daemon does it.
    @discardableResult
    func call(_ app: String, _ op: String, _ args: String..., data: [UInt8]? = nil) throws -> String {
        let call = StorageCall(op: try StorageOp(named: op), app: app, args: args, data: data)
        return try store.writeBlocking { connection in
            try connection.recordingChanges(of: app) {
                try StorageExecutor(connection: connection, now: { 1_700_000_000_000 }).run(call).json
            }
        }
    }

    func position() throws -> Int64 { try store.read { try ChangeJournal.position($0) } }

    @discardableResult
    func restore(_ app: String, to seq: Int64) throws -> DataRestoreOutcome {
        try store.writeExclusiveBlocking { try ChangeJournal.restore($0, app: app, to: seq) }
    }

    /// Everything `app` stored, as text: kv, documents, blobs, and its SQL tables (schema and rows).
    func dump(_ app: String) throws -> String {
        try store.read { try AppDataDump.dump($0, app: app, usage: true) }
    }

    @Test func restoresKVDocumentsBlobsAndRowsAndLeavesOtherAppsAlone() throws {
        try call("a", "kv.set", "keep", "1")
        try call("a", "kv.set", "change", "\"before\"")
        try call("a", "docs.insert", "notes", #"{"text":"first"}"#)
        try call("a", "blobs.put", "logo.png", "image/png", "", data: [1, 2, 3])
        try call("a", "sql.exec", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        try call("a", "sql.exec", "INSERT INTO t (v) VALUES ('one'), ('two')")
        try call("b", "kv.set", "mine", "\"b1\"")
        let point = try position()
        let expected = try dump("a")

        try call("a", "kv.set", "change", "\"after\"")
        try call("a", "kv.delete", "keep")
        try call("a", "kv.set", "new", "2")
        try call("b", "kv.set", "mine", "\"b2\"")
        try call("a", "docs.insert", "notes", #"{"text":"second"}"#)
        try call("a", "blobs.put", "logo.png", "image/png", "", data: [9, 9])
        try call("a", "sql.exec", "UPDATE t SET v = 'uno' WHERE id = 1")
        try call("a", "sql.exec", "DELETE FROM t WHERE id = 2")
        try call("b", "docs.insert", "x", #"{"b":true}"#)
        let other = try dump("b")
        #expect(try dump("a") != expected)

        let outcome = try restore("a", to: point)
        #expect(outcome.changes > 0)
        #expect(try dump("a") == expected)
        #expect(try dump("b") == other, "another app's data is untouched byte for byte")
    }

    @Test func restoresAcrossCreateAndAlterTable() throws {
        try call("a", "kv.set", "k", "1")
        let empty = try position()
        let emptyDump = try dump("a")
        try call("a", "sql.exec", "CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT)")
        try call("a", "sql.exec", "INSERT INTO todos (title) VALUES ('a'), ('b')")
        let created = try position()
        let createdDump = try dump("a")
        try call("a", "sql.exec", "ALTER TABLE todos ADD COLUMN done INTEGER DEFAULT 0")
        try call("a", "sql.exec", "UPDATE todos SET done = 1 WHERE id = 1")
        try call("a", "sql.exec", "INSERT INTO todos (title, done) VALUES ('c', 1)")
        try call("a", "sql.exec", "CREATE INDEX todos_done ON todos(done)")
        try call("a", "sql.exec", "CREATE TABLE tags (name TEXT PRIMARY KEY) WITHOUT ROWID")
        try call("a", "sql.exec", "INSERT INTO tags VALUES ('x')")
        let altered = try dump("a")

        let before = try position()
        try restore("a", to: created)
        #expect(try dump("a") == createdDump)
        try restore("a", to: empty)
        #expect(try dump("a") == emptyDump)
        // Undo both restores: back to the point before the first one.
        try restore("a", to: before)
        #expect(try dump("a") == altered)
    }

    @Test func aRestoreCanBeUndone() throws {
        try call("a", "kv.set", "n", "1")
        try call("a", "sql.exec", "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
        let point = try position()
        try call("a", "kv.set", "n", "2")
        try call("a", "sql.exec", "INSERT INTO t VALUES (1, 10)")
        try call("a", "sql.exec", "DROP TABLE t")
        let latest = try dump("a")
        let undo = try position()
        try restore("a", to: point)
        #expect(try call("a", "kv.get", "n") == "1")
        try restore("a", to: undo)
        #expect(try dump("a") == latest)
    }

    @Test func refusesTablesWithoutPrimaryKeyAndTableRenames() throws {
        #expect(throws: StorageError.self) { try call("a", "sql.exec", "CREATE TABLE log (msg TEXT)") }
        do {
            try call("a", "sql.exec", "CREATE TABLE log (msg TEXT)")
        } catch let error as StorageError {
            #expect(error.message.contains("CREATE TABLE log has no PRIMARY KEY"), "\(error.message)")
            #expect(error.message.contains("id INTEGER PRIMARY KEY"), "\(error.message)")
        }
        #expect(try call("a", "sql.tables") == "[]", "the refused table was rolled back")
        try call("a", "sql.exec", "CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT)")
        do {
            try call("a", "sql.exec", "ALTER TABLE log RENAME TO history")
            Issue.record("a table rename should be refused")
        } catch let error as StorageError {
            #expect(error.message.contains("RENAME TO is not supported"), "\(error.message)")
        }
        try call("a", "sql.exec", "ALTER TABLE log RENAME COLUMN msg TO text")
    }

    @Test func aFailedCallLeavesNoJournalEntry() throws {
        try call("a", "sql.exec", "CREATE TABLE t (id INTEGER PRIMARY KEY)")
        let point = try position()
        let expected = try dump("a")
        // The batch creates a table, then fails: all of it is rolled back, journal included.
        #expect(throws: StorageError.self) {
            try call("a", "sql.batch", #"["CREATE TABLE u (id INTEGER PRIMARY KEY)", "INSERT INTO nope VALUES (1)"]"#)
        }
        #expect(try position() == point)
        try call("a", "kv.set", "k", "1")
        try restore("a", to: point)
        #expect(try dump("a") == expected)
    }

    @Test func pruningSetsTheHorizon() throws {
        try call("a", "kv.set", "k", "1")
        try call("a", "kv.set", "k", "2")
        try call("b", "kv.set", "k", "1")
        let removed = try store.writeBlocking { try ChangeJournal.prune($0, before: Int64.max, maxBytes: 1 << 30) }
        #expect(removed == 3)
        let summary = try store.read { try ChangeJournal.summary($0, app: "a") }
        #expect(summary.entries == 0 && summary.horizon == 2)
        try call("a", "kv.set", "k", "3")
        _ = try store.writeBlocking { try ChangeJournal.prune($0, before: 0, maxBytes: 1) }
        #expect(try store.read { try ChangeJournal.horizon($0, app: "a") } == 4)
    }
}

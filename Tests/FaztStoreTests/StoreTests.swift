import FaztStore
import FaztTestSupport
import Foundation
import Testing

@Suite struct StoreTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
    }

    @Test func appliesKernelMigrationsAndRecordsTheVersion() throws {
        let version = try store.read { try $0.queryOne("PRAGMA user_version") { $0.int(0) } }
        #expect(version == KernelSchema.migrations.count)
        let tables = try store.read { connection in
            try connection.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") { $0.string(0) }
        }
        #expect(tables.contains("apps") && tables.contains("blobs") && tables.contains("tokens"))
    }

    @Test func usesWALAndSyncsItOffTheWriterThread() throws {
        let mode = try store.read { try $0.queryOne("PRAGMA journal_mode") { $0.string(0) } }
        #expect(mode == "wal")
        // NORMAL on the writer: COMMIT does not sync; WALSyncer does before acknowledging.
        let sync = try store.writeBlocking { try $0.queryOne("PRAGMA synchronous") { $0.int(0) } ?? -1 }
        #expect(sync == 1)
    }

    @Test func appliedWritesAreVisibleBeforeTheyAreAcknowledgedDurable() throws {
        try store.writeBlocking { try $0.execute("CREATE TABLE applied (n INTEGER)") }
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        store.apply(
            { try $0.run("INSERT INTO applied VALUES (1)") },
            applied: { result, seq in
                box.seq = seq
                box.ok = (try? result.get()) == 1
                done.signal()
            }
        )
        done.wait()
        #expect(box.ok && box.seq > 0)
        let durable = DispatchSemaphore(value: 0)
        store.whenDurable(box.seq) { durable.signal() }
        durable.wait()
        #expect(try store.read { try $0.queryOne("SELECT COUNT(*) FROM applied") { $0.int(0) } } == 1)
    }

    @Test func anExclusiveJobThatThrowsRollsBack() throws {
        try store.writeBlocking { try $0.execute("CREATE TABLE exclusive (n INTEGER)") }
        let done = DispatchSemaphore(value: 0)
        store.apply(
            exclusive: true,
            { connection -> Int in
                try connection.run("INSERT INTO exclusive VALUES (1)")
                throw StoreError(code: .closed, message: "changed my mind")
            },
            applied: { _, _ in done.signal() }
        )
        done.wait()
        #expect(try store.read { try $0.queryOne("SELECT COUNT(*) FROM exclusive") { $0.int(0) } } == 0)
    }

    @Test func concurrentWritesAreAllCommitted() async throws {
        try await store.write { try $0.execute("CREATE TABLE counter (n INTEGER)") }
        let store = self.store
        try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<500 {
                group.addTask { try await store.write { try $0.run("INSERT INTO counter VALUES (?)", [.int(n)]) } }
            }
            for try await changed in group { #expect(changed == 1) }
        }
        let count = try store.read { try $0.queryOne("SELECT COUNT(*) FROM counter") { $0.int(0) } }
        #expect(count == 500)
    }

    @Test func aFailingWriteDoesNotUndoOthersInTheSameBatch() async throws {
        try await store.write { try $0.execute("CREATE TABLE t (k TEXT PRIMARY KEY)") }
        async let first = store.write { try $0.run("INSERT INTO t VALUES ('a')") }
        async let failing = capture {
            try await store.write { connection in
                try connection.run("INSERT INTO t VALUES ('b')")
                return try connection.run("INSERT INTO t VALUES ('b')")
            }
        }
        async let third = store.write { try $0.run("INSERT INTO t VALUES ('c')") }
        #expect(try await first == 1)
        let failed = await failing
        #expect(throws: StoreError.self) { try failed.get() }
        #expect(try await third == 1)
        let keys = try store.read { try $0.query("SELECT k FROM t ORDER BY k") { $0.string(0) } }
        #expect(keys == ["a", "c"])
    }

    @Test func errorsCarrySQLitesMessageButNotBoundValues() throws {
        do {
            _ = try store.writeBlocking { try $0.run("INSERT INTO no_such_table VALUES (?)", [.text("secret-value")]) }
            Issue.record("expected an error")
        } catch let error as StoreError {
            #expect(error.message.contains("no such table"))
            #expect(!error.description.contains("secret-value"))
        }
    }

    @Test func refusesADatabaseFromANewerFazt() throws {
        let path = directory.path + "/newer.db"
        do {
            let newer = try Store(path: path)
            try newer.writeBlocking { try $0.execute("PRAGMA user_version = 999") }
            newer.close()
        }
        #expect(throws: StoreError.self) { try Store(path: path) }
    }

    @Test func readersSeeCommittedDataAndCannotWrite() throws {
        try store.writeBlocking { try $0.execute("CREATE TABLE r (v INTEGER); INSERT INTO r VALUES (7)") }
        let value = try store.read { try $0.queryOne("SELECT v FROM r") { $0.int(0) } }
        #expect(value == 7)
        #expect(throws: StoreError.self) { try store.read { try $0.run("INSERT INTO r VALUES (8)") } }
    }

    @Test func writesAfterCloseFailCleanly() throws {
        let path = directory.path + "/closed.db"
        let closing = try Store(path: path)
        closing.close()
        #expect(throws: StoreError.self) { try closing.writeBlocking { try $0.execute("SELECT 1") } }
    }
}

private func capture<T>(_ body: () async throws -> T) async -> Result<T, Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

private final class Box: @unchecked Sendable {
    // Safe: written before a semaphore signal, read after the wait.
    var seq: UInt64 = 0
    var ok = false
}

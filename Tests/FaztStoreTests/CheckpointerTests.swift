import CSQLite
import Foundation
import Testing

@testable import FaztStore

@Suite struct CheckpointerTests {
    /// Commits past 1,000 WAL frames are checkpointed on the checkpointer's thread: the writer's
    /// own autocheckpoint is replaced (the hook), the pages reach data.db, and the WAL starts over.
    @Test func theWALIsCopiedBackOffTheWriter() throws {
        let scratch = try ScratchStore("checkpoint")
        defer { scratch.close() }
        let store = scratch.store
        let path = scratch.path
        try store.writeBlocking { try $0.execute("CREATE TABLE t (v BLOB)") }
        let before = store.checkpointRuns
        // About 2,500 pages of new rows, one commit each few hundred.
        for _ in 0..<25 {
            try store.writeBlocking { connection in
                for _ in 0..<100 { try connection.run("INSERT INTO t VALUES (randomblob(4000))", []) }
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while store.checkpointRuns == before, Date() < deadline { usleep(10_000) }
        #expect(store.checkpointRuns > before, "no background checkpoint ran")
        // The checkpoint copied the rows into the database file itself.
        var info = stat()
        let deadline2 = Date().addingTimeInterval(10)
        while stat(path, &info) == 0, info.st_size < 4_000_000, Date() < deadline2 { usleep(10_000) }
        #expect(info.st_size >= 4_000_000, "data.db is \(info.st_size) bytes")
        // And the writer's next transactions start the WAL over instead of growing it forever.
        for _ in 0..<5 { try store.writeBlocking { try $0.run("INSERT INTO t VALUES (1)", []) } }
        var wal = stat()
        _ = stat(path + "-wal", &wal)
        #expect(wal.st_size < 16_000_000, "the WAL grew to \(wal.st_size) bytes")
    }
}

import Foundation
import Testing

@testable import FaztStore

@Suite struct WriterActivityTests {
    /// A backup slows down only while the writer commits: busy right after a commit, idle once
    /// 200 ms pass without one.
    @Test func busyOnlyRightAfterCommits() throws {
        let scratch = try ScratchStore("activity")
        defer { scratch.close() }
        let store = scratch.store
        let activity = WriterActivity(store: store)
        #expect(!activity.isBusy(), "no commit yet")
        try store.writeBlocking { try $0.execute("CREATE TABLE t (v)") }
        #expect(activity.isBusy(), "a commit just happened")
        usleep(300_000)
        #expect(!activity.isBusy(), "300 ms without a commit")
    }

    /// With the writer idle the copy ignores its rate: 8 MB at 1 MB/s would take 8 s if paced.
    @Test func anIdleStoreIsCopiedUnpaced() throws {
        let scratch = try ScratchStore("activity")
        defer { scratch.close() }
        let store = scratch.store
        try store.writeBlocking { connection in
            try connection.execute("CREATE TABLE t (v BLOB)")
            for _ in 0..<2000 { try connection.run("INSERT INTO t VALUES (randomblob(4000))", []) }
        }
        usleep(300_000)
        var paced = 0
        let source = try Connection(path: scratch.path, readOnly: true)
        let activity = WriterActivity(store: store)
        try source.backup(into: scratch.directory.path + "/copy.db") {
            if activity.isBusy() { paced += 1 }
            return activity.isBusy() ? 1 << 20 : nil
        }
        #expect(paced == 0, "\(paced) steps were paced on an idle store")
    }
}

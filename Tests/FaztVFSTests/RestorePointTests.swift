import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztVFS

/// Versions remember their data restore point; restores that cannot be exact are refused clearly.
@Suite struct RestorePointTests {
    let directory: TemporaryDirectory
    let store: Store
    let vfs: VFS

    init() throws {
        directory = try TemporaryDirectory()
        var configuration = StoreConfiguration()
        configuration.syncsWAL = false
        configuration.journalsData = true
        store = try Store(path: directory.path + "/data.db", configuration: configuration)
        vfs = VFS(store: store)
    }

    func deploy(_ text: String) throws -> Int {
        let bytes = try ArchiveFixtures.tarGzip([ArchiveFixtures.file("index.html", text)])
        let path = try ArchiveFixtures.write(bytes, in: directory, name: UUID().uuidString)
        return try vfs.deploy(app: "site", archivePath: path, source: "test").version
    }

    func setKey(_ value: String) throws {
        try store.writeBlocking { connection in
            try connection.recordingChanges(of: "site") {
                try connection.run(
                    "INSERT INTO kv (app, key, value) VALUES ('site', 'k', ?) ON CONFLICT DO UPDATE SET value = excluded.value",
                    [.text(value)]
                )
            }
        }
    }

    func key() throws -> String? {
        try store.read { try $0.queryOne("SELECT value FROM kv WHERE app = 'site' AND key = 'k'") { $0.string(0) } }
    }

    @Test func versionsRememberWhereTheyWentLiveAndRestoreThere() throws {
        try deploy("one")
        try setKey("a")
        try deploy("two")
        try setKey("b")
        let seqs = try store.read { connection in
            try connection.query("SELECT n, journal_seq FROM versions WHERE app = 'site' ORDER BY n") {
                ($0.int(0), $0.int64(1))
            }
        }
        #expect(seqs.map(\.0) == [1, 2] && seqs[0].1 < seqs[1].1, "\(seqs)")
        #expect(try vfs.versions(app: "site").map(\.journalSeq) == [seqs[1].1, seqs[0].1])
        // A rollback does not move version 1's point.
        _ = try vfs.rollback(app: "site", to: 1)
        _ = try vfs.rollback(app: "site", to: 2)
        let result = try vfs.restore(app: "site", version: 2, data: true, code: false)
        #expect(try key() == "a" && result.restoredTo == seqs[1].1 && result.live == 2)
        let both = try vfs.restore(app: "site", version: 1, data: true, code: true)
        #expect(try key() == nil && both.live == 1)
        #expect(try vfs.info(app: "site").version == 1)
        // Undo the last restore's data.
        _ = try vfs.restore(app: "site", version: nil, seq: both.undoSeq, data: true, code: false)
        #expect(try key() == "a")
    }

    @Test func expiredPointsAllowOnlyCodeRestores() throws {
        try deploy("one")
        try setKey("a")
        try deploy("two")
        _ = try store.writeBlocking { try ChangeJournal.prune($0, before: Int64.max, maxBytes: 1 << 30) }
        do {
            _ = try vfs.restore(app: "site", version: 1, data: true, code: true)
            Issue.record("an expired point must be refused")
        } catch let error as VFSError {
            #expect(error.code == .conflict)
            #expect(error.message == "data restore point expired; code-only restore possible")
        }
        #expect(try vfs.info(app: "site").version == 2, "nothing changed")
        #expect(try vfs.restore(app: "site", version: 1, data: false, code: true).live == 1)
    }

    @Test func snapshotsNameAPoint() throws {
        try deploy("one")
        try setKey("a")
        let snapshot = try vfs.snapshot(app: "site", name: "before")
        try setKey("b")
        _ = try vfs.restore(app: "site", version: nil, snapshot: "before", data: true, code: false)
        #expect(try key() == "a")
        #expect(try vfs.snapshots(app: "site").map(\.name) == ["before"] && snapshot.seq > 0)
        #expect(throws: VFSError.self) {
            try vfs.restore(app: "site", version: nil, snapshot: "nope", data: true, code: false)
        }
    }
}

import FaztGit
import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztVFS

/// `VFS.replaceLiveFiles`: `fazt dev`'s in-place sync of the live version.
@Suite struct DevSyncTests {
    let directory: TemporaryDirectory
    let store: Store
    let vfs: VFS

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        vfs = VFS(store: store)
    }

    func archive(_ files: [(String, String)]) throws -> String {
        let bytes = try ArchiveFixtures.tarGzip(files.map { ArchiveFixtures.file($0.0, $0.1) })
        return try ArchiveFixtures.write(bytes, in: directory, name: UUID().uuidString)
    }

    func commit(_ version: Int) throws -> GitObjectID? {
        try store.read { connection in
            try connection.queryOne(
                "SELECT commit_oid FROM versions WHERE app = 'site' AND n = ?",
                [.int(version)]
            ) { GitObjectID(bytes: $0.bytes(0)) } ?? nil
        }
    }

    @Test func replacesTheLiveVersionsFilesWithoutANewVersion() throws {
        _ = try vfs.deploy(app: "site", archivePath: try archive([("a.txt", "one")]), source: "test")
        let second = try vfs.deploy(app: "site", archivePath: try archive([("a.txt", "two")]), source: "test")
        #expect(second.version == 2)
        let before = try #require(try commit(2))
        let parent = try #require(try commit(1))

        let result = try vfs.replaceLiveFiles(
            app: "site",
            archivePath: try archive([("a.txt", "three"), ("b/c.txt", "new"), ("fazt.json", #"{"spa": true}"#)])
        )
        #expect(result.version == 2 && result.files == 3)
        #expect(try vfs.versions(app: "site").count == 2)
        let snapshot = try #require(try vfs.snapshot(app: "site"))
        #expect(snapshot.version == 2 && snapshot.files.keys.sorted() == ["a.txt", "b/c.txt", "fazt.json"])
        #expect(snapshot.manifest.spa)
        let entry = try #require(snapshot.files["a.txt"])
        let content = try #require(try vfs.blob(entry.hash))
        #expect(content.data == Array("three".utf8))
        // The version's commit is rewritten with the same parent, and main follows it.
        let after = try #require(try commit(2))
        #expect(after != before)
        let body = try store.read { connection in
            try connection.queryOne("SELECT data FROM git_objects WHERE oid = ?", [.blob(after.bytes)]) { $0.bytes(0) }
        }
        #expect(try GitCommitInfo.parse(try #require(body)).parents == [parent])
        #expect(try store.read { try GitHistory.main($0, app: "site") } == after)
        // Version 1 is untouched.
        #expect(try vfs.snapshot(app: "site", version: 1)?.files.keys.sorted() == ["a.txt"])
    }

    @Test func refusesBadInputAndChangesNothing() throws {
        _ = try vfs.deploy(app: "site", archivePath: try archive([("a.txt", "one")]), source: "test")
        #expect(throws: VFSError.self) {
            try vfs.replaceLiveFiles(app: "site", archivePath: try archive([("fazt.json", "{nope")]))
        }
        #expect(throws: VFSError.self) {
            try vfs.replaceLiveFiles(app: "site", archivePath: try archive([("api/x.js", "x")])) { _ in
                throw VFSError(.syntaxError, "api/x.js:1: nope")
            }
        }
        #expect(try vfs.snapshot(app: "site")?.files.keys.sorted() == ["a.txt"])
        // No live version yet: deploy first.
        let error = #expect(throws: VFSError.self) {
            try vfs.replaceLiveFiles(app: "other", archivePath: try archive([("a.txt", "x")]))
        }
        #expect(error?.message.contains("deploy it first") == true)
    }
}

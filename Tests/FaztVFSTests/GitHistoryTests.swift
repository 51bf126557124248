import FaztGit
import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztVFS

/// Every version is a git commit: checked by exporting `data.db`'s objects to a bare repository
/// and asking the real `git` about them.
@Suite struct GitHistoryTests {
    let directory: TemporaryDirectory
    let store: Store
    let vfs: VFS

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        vfs = VFS(store: store)
    }

    func deploy(_ files: [(String, String)], app: String = "site", message: String? = nil) throws -> Int {
        let bytes = try ArchiveFixtures.tarGzip(files.map { ArchiveFixtures.file($0.0, $0.1) })
        let path = try ArchiveFixtures.write(bytes, in: directory, name: UUID().uuidString)
        return try vfs.deploy(app: app, archivePath: path, source: "test", message: message).version
    }

    func main(_ app: String = "site") throws -> GitObjectID? {
        try store.read { try GitHistory.main($0, app: app) }
    }

    /// Writes every stored git object (blobs from `blobs`, the rest from `git_objects`) and the
    /// app's refs into a fresh bare repository.
    func export(_ app: String = "site") throws -> BareGitRepository {
        let repo = try BareGitRepository()
        let (blobs, objects, refs) = try store.read { connection in
            (
                try connection.query("SELECT git_oid, data FROM blobs") { ($0.bytes(0), $0.bytes(1)) },
                try connection.query("SELECT oid, type, data FROM git_objects") {
                    ($0.bytes(0), $0.string(1), $0.bytes(2))
                },
                try connection.query("SELECT name, oid FROM git_refs WHERE app = ?", [.text(app)]) {
                    ($0.string(0), $0.bytes(1))
                }
            )
        }
        for (oid, data) in blobs {
            try repo.writeLoose(type: .blob, body: data, id: try #require(GitObjectID(bytes: oid)))
        }
        for (oid, type, data) in objects {
            let kind = try #require(GitObjectType(rawValue: type))
            try repo.writeLoose(type: kind, body: data, id: try #require(GitObjectID(bytes: oid)))
        }
        for (name, oid) in refs {
            try repo.run("update-ref", name, try #require(GitObjectID(bytes: oid)).hex)
        }
        return repo
    }

    @Test func deploysAndRollbackFormOneFastForwardHistory() throws {
        let one = try deploy([("index.html", "<h1>one</h1>"), ("assets/css/site.css", "body{}")], message: "first")
        let two = try deploy([
            ("index.html", "<h1>two</h1>"), ("assets/css/site.css", "body{}"), ("assets/js/app.js", "1"),
            ("api/hello.js", "export default () => 2"),
        ])
        let three = try deploy([("index.html", "<h1>three</h1>"), ("a/b/c/d.txt", "deep")])
        #expect(one == 1 && two == 2 && three == 3)
        let versions = try vfs.versions(app: "site")
        let commits = versions.map(\.commit)
        #expect(commits.allSatisfy { $0?.count == 40 })
        #expect(try main()?.hex == versions[0].commit, "main is the live (newest) version's commit")

        _ = try vfs.rollback(app: "site", to: 2)
        let head = try #require(try main())
        #expect(!commits.contains(head.hex), "a rollback appends a commit")

        let repo = try export()
        try repo.run("fsck", "--strict", "--no-dangling")
        let log = try repo.run("log", "--format=%H", "main").split(separator: "\n").map(String.init)
        #expect(log == [head.hex] + commits.compactMap { $0 })
        #expect(try repo.run("rev-parse", "main^{tree}") == repo.run("rev-parse", "\(versions[1].commit!)^{tree}"))
        #expect(
            try repo.run("ls-tree", "-r", "--name-only", "main")
                == "api/hello.js\nassets/css/site.css\nassets/js/app.js\nindex.html\n"
        )
        #expect(try repo.run("cat-file", "-p", "main:index.html") == "<h1>two</h1>")
        #expect(try repo.run("log", "-1", "--format=%s", versions[2].commit!) == "first\n")
        #expect(try repo.run("log", "-1", "--format=%s", "main") == "Roll back to version 2\n")

        // Deploying after the rollback continues from the rollback commit.
        _ = try deploy([("index.html", "<h1>four</h1>")])
        let four = try #require(try vfs.versions(app: "site").first?.commit)
        #expect(try main()?.hex == four)
        let after = try export()
        try after.run("fsck", "--strict", "--no-dangling")
        #expect(try after.run("rev-parse", "main~1") == head.hex + "\n")
    }

    @Test func draftCommitsAreCommitsAndOnlyLiveOnesMoveMain() throws {
        _ = try deploy([("index.html", "v1")])
        let first = try #require(try main())
        _ = try vfs.writeDraftFile(app: "site", draft: "d", path: "docs/readme.md", data: Array("hi".utf8))
        let hidden = try vfs.commitDraft(app: "site", draft: "d", options: .init(message: "staged", deploy: false))
        #expect(try main() == first, "a version that is not live leaves main alone")
        let staged = try #require(try vfs.versions(app: "site").first { $0.version == hidden.result.version }?.commit)

        _ = try vfs.writeDraftFile(app: "site", draft: "e", path: "docs/readme.md", data: Array("live".utf8))
        let live = try vfs.commitDraft(app: "site", draft: "e", options: .init(message: "shipped"))
        let shipped = try #require(try vfs.versions(app: "site").first { $0.version == live.result.version }?.commit)
        #expect(try main()?.hex == shipped)

        let repo = try export()
        try repo.run("update-ref", "refs/heads/staged", staged)
        try repo.run("fsck", "--strict", "--no-dangling")
        #expect(try repo.run("cat-file", "-p", "main:docs/readme.md") == "live")
        #expect(try repo.run("rev-parse", "\(staged)~1") == first.hex + "\n")
        #expect(try repo.run("rev-parse", "main~1") == first.hex + "\n")
    }

    @Test func blobsKnowTheirGitIDAndAreStoredOnce() throws {
        _ = try deploy([("a.txt", "same"), ("b/c.txt", "same")])
        _ = try vfs.writeDraftFile(app: "site", draft: "d", path: "n.txt", data: Array("new".utf8))
        let rows = try store.read {
            try $0.query("SELECT data, git_oid FROM blobs") { ($0.bytes(0), $0.optionalBytes(1)) }
        }
        #expect(rows.count == 2)
        for (data, oid) in rows {
            #expect(oid == GitObjectID(type: .blob, body: data).bytes)
        }
        let objects = try store.read { try $0.query("SELECT type FROM git_objects") { $0.string(0) } }
        #expect(!objects.contains("blob"), "blob bytes live only in the blob table")
    }

    @Test func aRefusedDeployWritesNoCommitAndLeavesMain() throws {
        _ = try deploy([("index.html", "one")])
        let before = try #require(try main())
        let objects = try store.read { try $0.queryOne("SELECT COUNT(*) FROM git_objects") { $0.int(0) } }
        let refusing = VFS(store: store) { _, _, _, _ in throw VFSError(.badArchive, "refused") }
        let path = try ArchiveFixtures.write(
            try ArchiveFixtures.tarGzip([ArchiveFixtures.file("index.html", "two")]),
            in: directory,
            name: "refused"
        )
        #expect(throws: VFSError.self) { try refusing.deploy(app: "site", archivePath: path, source: "test") }
        #expect(throws: VFSError.self) { try refusing.rollback(app: "site", to: 1) }
        #expect(try main() == before)
        #expect(try store.read { try $0.queryOne("SELECT COUNT(*) FROM git_objects") { $0.int(0) } } == objects)
    }

    @Test func deletingAnAppRemovesItsRefs() throws {
        _ = try deploy([("index.html", "x")])
        _ = try deploy([("index.html", "x")], app: "other")
        try vfs.deleteApp("site")
        let refs = try store.read { try $0.query("SELECT app FROM git_refs") { $0.string(0) } }
        #expect(refs == ["other"])
    }
}

import FaztGit
import FaztStore
import FaztTestSupport
import Foundation
import Synchronization
import Testing

@testable import FaztVFS

/// Retention: only the newest N versions stay (plus the live one and draft bases), and what pruning
/// leaves unused is collected without breaking the git history `main` still reaches.
@Suite struct RetentionTests {
    let directory: TemporaryDirectory
    let store: Store
    let vfs: VFS
    let pruned = PrunedLog()

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        var limits = DeployLimits()
        limits.keepVersions = 3
        let pruned = self.pruned
        vfs = VFS(
            store: store,
            limits: limits,
            versionsPruned: { _, app, versions in
                #expect(app == "site")
                pruned.list.withLock { $0 += versions }
            }
        )
    }

    func deploy(_ text: String) throws -> Int {
        let bytes = try ArchiveFixtures.tarGzip([ArchiveFixtures.file("index.html", text)])
        let path = try ArchiveFixtures.write(bytes, in: directory, name: UUID().uuidString)
        return try vfs.deploy(app: "site", archivePath: path, source: "test").version
    }

    /// A version made from a draft that does not go live.
    func stage(_ text: String) throws -> Int {
        let draft = "d\(UUID().uuidString.prefix(8).lowercased())"
        _ = try vfs.writeDraftFile(app: "site", draft: draft, path: "index.html", data: Array(text.utf8))
        return try vfs.commitDraft(app: "site", draft: draft, options: .init(deploy: false)).result.version
    }

    func commits() throws -> [Int: String] {
        Dictionary(uniqueKeysWithValues: try vfs.versions(app: "site").map { ($0.version, $0.commit ?? "") })
    }

    func objectExists(_ hex: String) throws -> Bool {
        let id = try #require(GitObjectID(hex: hex))
        return try store.read {
            try $0.queryOne("SELECT 1 FROM git_objects WHERE oid = ?", [.blob(id.bytes)]) { _ in true } ?? false
        }
    }

    /// Exports every stored object, `main`, and a ref per remaining version into a bare repository.
    func export() throws -> BareGitRepository {
        let repo = try BareGitRepository()
        let (blobs, objects) = try store.read { connection in
            (
                try connection.query("SELECT git_oid, data FROM blobs") { ($0.bytes(0), $0.bytes(1)) },
                try connection.query("SELECT oid, type, data FROM git_objects") {
                    ($0.bytes(0), $0.string(1), $0.bytes(2))
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
        let main = try #require(try store.read { try GitHistory.main($0, app: "site") })
        try repo.setBranch("main", to: main)
        for (version, commit) in try commits() {
            try repo.setBranch("v\(version)", to: try #require(GitObjectID(hex: commit)))
        }
        return repo
    }

    @Test func keepsTheNewestTheLiveAndDraftBasesAndCollectsTheRest() throws {
        #expect(try deploy("one") == 1)
        #expect(try deploy("two") == 2)
        // A draft on version 2 keeps it, however old it gets.
        _ = try vfs.writeDraftFile(app: "site", draft: "held", path: "held.txt", data: Array("held".utf8))
        _ = try vfs.rollback(app: "site", to: 1)
        var staged: [Int: String] = [:]
        for index in 3...7 {
            let version = try stage("staged \(index)")
            #expect(version == index)
            staged[version] = try commits()[version]
        }
        // Newest three (5, 6, 7), the live version 1 and the draft base 2.
        #expect(try vfs.versions(app: "site").map(\.version) == [7, 6, 5, 2, 1])
        #expect(pruned.list.withLock { $0 } == [3, 4])
        #expect(try deploy("eight") == 8)
        #expect(try vfs.versions(app: "site").map(\.version) == [8, 7, 6, 2], "1 is no longer live")
        #expect(pruned.list.withLock { $0 } == [3, 4, 1, 5])
        #expect(try vfs.info(app: "site").version == 8)

        #expect(throws: VFSError.self) { try vfs.rollback(app: "site", to: 3) }
        #expect(throws: VFSError.self) { try vfs.rollback(app: "site", to: 1) }
        let files = try store.read {
            try $0.query("SELECT DISTINCT version FROM files WHERE app = 'site' ORDER BY version") { $0.int(0) }
        }
        #expect(files == [2, 6, 7, 8], "pruned versions' files went with them")

        // Staged commits off `main` became unreachable and are collected (pruning triggers a
        // collection at most every 10 minutes, so run one now); version 1's commit is on `main`'s
        // history (behind the rollback commit), so it stays.
        try vfs.collectGarbage(createdBefore: Int64.max)
        for version in [3, 4, 5] { #expect(try !objectExists(try #require(staged[version])), "v\(version)") }
        for version in [6, 7] { #expect(try objectExists(try #require(staged[version]))) }
        let repo = try export()
        try repo.run("fsck", "--strict", "--no-dangling")
        let unreachable = try repo.run("fsck", "--strict", "--unreachable", "--no-dangling")
        // Only the draft's own file is outside every tree (the draft, not history, keeps it).
        let held = GitObjectID(type: .blob, body: Array("held".utf8)).hex
        #expect(unreachable == "unreachable blob \(held)\n", "nothing else unreachable is stored: \(unreachable)")
        #expect(try repo.run("log", "--format=%s", "main").contains("Roll back to version 1"))
        #expect(try repo.run("cat-file", "-p", "main~3:index.html") == "one", "history still reads v1's content")
        let texts = try store.read {
            try $0.query("SELECT data FROM blobs") { String(decoding: $0.bytes(0), as: UTF8.self) }
        }
        #expect(!texts.contains("staged 3") && texts.contains("one") && texts.contains("staged 6"))

        // The draft base survives until the draft goes.
        try vfs.discardDraft(app: "site", name: "held")
        #expect(try deploy("nine") == 9)
        #expect(try vfs.versions(app: "site").map(\.version) == [9, 8, 7])
    }

    @Test func deletingAnAppCollectsItsGitObjects() throws {
        _ = try deploy("one")
        _ = try deploy("two")
        try vfs.deleteApp("site")
        try vfs.collectGarbage(createdBefore: Int64.max)
        let counts = try store.read {
            (
                try $0.queryOne("SELECT COUNT(*) FROM git_objects") { $0.int(0) },
                try $0.queryOne("SELECT COUNT(*) FROM blobs") { $0.int(0) }
            )
        }
        #expect(counts.0 == 0 && counts.1 == 0)
    }
}

/// The version numbers the pruning hook reported, in order.
final class PrunedLog: Sendable {
    let list = Mutex<[Int]>([])
}

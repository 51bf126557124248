import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztVFS

@Suite struct DeployTests {
    let directory: TemporaryDirectory
    let store: Store
    let vfs: VFS

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        var limits = DeployLimits()
        limits.maxFileBytes = 2 << 20
        limits.maxExpandedBytes = 5 << 20
        limits.maxEntries = 50
        vfs = VFS(store: store, limits: limits)
    }

    func deploy(_ bytes: [UInt8], app: String = "site") throws -> DeployResult {
        let path = try ArchiveFixtures.write(bytes, in: directory, name: UUID().uuidString)
        return try vfs.deploy(app: app, archivePath: path, source: "test")
    }

    func blobCount() throws -> Int {
        try store.read { try $0.queryOne("SELECT COUNT(*) FROM blobs") { $0.int(0) } ?? -1 }
    }

    @Test func deploysZipAndTarGzAsNumberedVersions() throws {
        let first = try deploy(ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "<h1>one</h1>")]))
        let second = try deploy(ArchiveFixtures.tarGzip([ArchiveFixtures.file("index.html", "<h1>two</h1>")]))
        #expect(first.version == 1 && second.version == 2)
        let snapshot = try #require(try vfs.snapshot(app: "site"))
        #expect(snapshot.version == 2)
        let entry = try #require(snapshot.files["index.html"])
        #expect(try vfs.blob(entry.hash)?.data == Array("<h1>two</h1>".utf8))
        #expect(try vfs.versions(app: "site").map(\.version) == [2, 1])
    }

    @Test func storesIdenticalContentOnce() throws {
        let files = [ArchiveFixtures.file("a.txt", "same"), ArchiveFixtures.file("b.txt", "same")]
        _ = try deploy(ArchiveFixtures.zip(files))
        _ = try deploy(ArchiveFixtures.zip(files), app: "other")
        #expect(try blobCount() == 1)
    }

    @Test func precomputesGzipForTextFiles() throws {
        let css = String(repeating: "body { color: red } ", count: 100)
        _ = try deploy(
            ArchiveFixtures.zip([
                ArchiveFixtures.file("app.css", css), .file("x.png", Array(repeating: 7, count: 1000)),
            ])
        )
        let snapshot = try #require(try vfs.snapshot(app: "site"))
        let cssEntry = try #require(snapshot.files["app.css"])
        let pngEntry = try #require(snapshot.files["x.png"])
        let cssBlob = try #require(try vfs.blob(cssEntry.hash))
        #expect(cssBlob.gzip.flatMap { Gzip.decompress($0) } == Array(css.utf8))
        #expect(try vfs.blob(pngEntry.hash)?.gzip == nil)
    }

    @Test func stripsASingleWrappingFolder() throws {
        _ = try deploy(
            ArchiveFixtures.zip([
                ArchiveFixtures.file("dist/index.html", "x"), ArchiveFixtures.file("dist/a/b.js", "y"),
            ])
        )
        let snapshot = try #require(try vfs.snapshot(app: "site"))
        #expect(Set(snapshot.files.keys) == ["index.html", "a/b.js"])
    }

    @Test func keepsALoneCodeFolderWhereItIs() throws {
        _ = try deploy(
            ArchiveFixtures.zip([ArchiveFixtures.file("api/main.js", "x"), ArchiveFixtures.file("api/b.js", "y")])
        )
        let snapshot = try #require(try vfs.snapshot(app: "site"))
        #expect(Set(snapshot.files.keys) == ["api/main.js", "api/b.js"])
    }

    @Test func rollbackMovesTheLivePointerOnly() throws {
        _ = try deploy(ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "one")]))
        _ = try deploy(ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "two")]))
        let info = try vfs.rollback(app: "site", to: 1)
        #expect(info.version == 1 && info.versions == 2)
        #expect(try vfs.snapshot(app: "site")?.version == 1)
        #expect(throws: VFSError.self) { try vfs.rollback(app: "site", to: 9) }
        #expect(throws: VFSError.self) { try vfs.rollback(app: "nope", to: 1) }
    }

    @Test func deletingAnAppCollectsItsBlobs() throws {
        _ = try deploy(ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "gone soon")]))
        try vfs.deleteApp("site")
        #expect(try vfs.snapshot(app: "site") == nil)
        #expect(try vfs.collectGarbage(createdBefore: Int64.max) >= 0)
        #expect(try blobCount() == 0)
        #expect(throws: VFSError.self) { try vfs.deleteApp("site") }
    }

    struct Hostile: CustomTestStringConvertible, Sendable {
        var name: String
        var expected: String
        var make: @Sendable () throws -> [UInt8]
        var testDescription: String { name }
    }

    static let hostile: [Hostile] = [
        Hostile(name: "zip slip", expected: "'..'") {
            try ArchiveFixtures.zip([ArchiveFixtures.file("ok.txt", "x"), ArchiveFixtures.file("../evil.txt", "x")])
        },
        Hostile(name: "absolute path", expected: "absolute") {
            try ArchiveFixtures.tarGzip([ArchiveFixtures.file("/etc/evil", "x")])
        },
        Hostile(name: "symlink", expected: "symbolic link") {
            try ArchiveFixtures.tarGzip([.symlink("link", target: "/etc/passwd")])
        },
        Hostile(name: "hard link", expected: "hard link") {
            ArchiveFixtures.rawTar([("a.txt", "0", "", Array("x".utf8)), ("b.txt", "1", "a.txt", [])])
        },
        Hostile(name: "device", expected: "device") { ArchiveFixtures.rawTar([("dev", "3", "", [])]) },
        Hostile(name: "duplicate", expected: "twice") {
            ArchiveFixtures.rawTar([("a.txt", "0", "", Array("1".utf8)), ("./a.txt", "0", "", Array("2".utf8))])
        },
        Hostile(name: "invalid UTF-8 name", expected: "UTF-8") {
            try ArchiveFixtures.tarGzip([.rawName([0x61, 0xFE, 0x62], [1])])
        },
        Hostile(name: "file over the per-file limit", expected: "per-file") {
            try ArchiveFixtures.zip([.file("big.bin", [UInt8](repeating: 0, count: 3 << 20))])
        },
        Hostile(name: "expansion over the total limit", expected: "expands past") {
            try ArchiveFixtures.zip(
                (0..<4).map { .file("f\($0).bin", [UInt8](repeating: UInt8($0), count: 1_900_000)) }
            )
        },
        Hostile(name: "too many entries", expected: "entries") {
            try ArchiveFixtures.zip((0..<60).map { ArchiveFixtures.file("f\($0).txt", "\($0)") })
        },
        Hostile(name: "corrupt", expected: "archive") { Array("this is not an archive at all".utf8) },
        Hostile(name: "empty upload", expected: "archive") { [] },
        Hostile(name: "archive without files", expected: "no files") { ArchiveFixtures.rawTar([]) },
        Hostile(name: "bad manifest", expected: "fazt.json") {
            try ArchiveFixtures.zip([ArchiveFixtures.file("fazt.json", "{oops")])
        },
    ]

    @Test(arguments: hostile)
    func refusesHostileArchivesAndKeepsTheLiveVersion(_ input: Hostile) throws {
        _ = try deploy(ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "live")]))
        let blobsBefore = try blobCount()
        do {
            _ = try deploy(try input.make())
            Issue.record("\(input.name) was accepted")
        } catch let error as VFSError {
            #expect(error.message.contains(input.expected), "message was: \(error.message)")
        }
        let snapshot = try #require(try vfs.snapshot(app: "site"))
        #expect(snapshot.version == 1)
        #expect(try vfs.versions(app: "site").count == 1)
        #expect(try blobCount() == blobsBefore)
    }

    @Test func aZipBombIsRefusedWhileStreaming() throws {
        // 200 MB of zeros compresses to a few hundred KB; the limit (2 MB per file) trips long before.
        let path = directory.path + "/bomb.zip"
        let writer = try ArchiveWriter(path: path, format: .zip)
        try writer.addFile("bomb.bin", data: [UInt8](repeating: 0, count: 200 << 20))
        try writer.close()
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(size < 1 << 20)
        #expect(throws: VFSError.self) { try vfs.deploy(app: "bomb", archivePath: path, source: "test") }
        #expect(try vfs.snapshot(app: "bomb") == nil)
    }
}

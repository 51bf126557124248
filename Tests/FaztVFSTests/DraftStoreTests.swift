import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztVFS

/// Drafts in the VFS alone: content stored once, kept from collection, limits and rules of deploys.
@Suite struct DraftStoreTests {
    let directory: TemporaryDirectory
    let store: Store
    let vfs: VFS

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        var limits = DeployLimits()
        limits.maxFileBytes = 1024
        limits.maxEntries = 3
        vfs = VFS(store: store, limits: limits)
        let archive = try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "<h1>one</h1>")])
        let path = try ArchiveFixtures.write(archive, in: directory, name: "site.zip")
        _ = try vfs.deploy(app: "site", archivePath: path, source: "test")
    }

    func blobCount() throws -> Int {
        try store.read { try $0.queryOne("SELECT COUNT(*) FROM blobs") { $0.int(0) } ?? -1 }
    }

    @Test func draftContentSurvivesCollectionAndIsStoredOnce() throws {
        _ = try vfs.writeDraftFile(app: "site", draft: "a", path: "x.txt", data: Array("same".utf8))
        _ = try vfs.writeDraftFile(app: "site", draft: "b", path: "y.txt", data: Array("same".utf8))
        #expect(try blobCount() == 2)
        try vfs.collectGarbage(createdBefore: Int64.max)
        #expect(try blobCount() == 2, "a draft's content is referenced")
        let committed = try vfs.commitDraft(app: "site", draft: "a", options: .init())
        #expect(committed.result.version == 2 && committed.result.files == 2 && committed.live)
        try vfs.discardDraft(app: "site", name: "b")
        try vfs.collectGarbage(createdBefore: Int64.max)
        #expect(try blobCount() == 2, "version 2 holds both blobs")
        #expect(try vfs.drafts(app: "site").isEmpty)
    }

    @Test func refusesWhatADeployWouldRefuse() throws {
        #expect(throws: VFSError.self) {
            try vfs.writeDraftFile(app: "site", draft: "a", path: "big", data: Array(repeating: 1, count: 1025))
        }
        for path in ["../x", "/etc/passwd", "a\\b", "", ".DS_Store"] {
            #expect(throws: VFSError.self, "\(path)") {
                try vfs.writeDraftFile(app: "site", draft: "a", path: path, data: [1])
            }
        }
        for name in ["", "-a", "A", "a_b", String(repeating: "a", count: 41)] {
            #expect(throws: VFSError.self, "\(name)") {
                try vfs.writeDraftFile(app: "site", draft: name, path: "x", data: [1])
            }
        }
        #expect(try vfs.writeDraftFile(app: "site", draft: "a", path: "./d//x", data: [1]).path == "d/x")
        _ = try vfs.writeDraftFile(app: "site", draft: "a", path: "y", data: [1])
        _ = try vfs.writeDraftFile(app: "site", draft: "a", path: "z", data: [1])
        let tooMany = #expect(throws: VFSError.self) {
            try vfs.commitDraft(app: "site", draft: "a", options: .init())
        }
        #expect(tooMany?.code == .tooLarge)
        _ = try vfs.deleteDraftFile(app: "site", draft: "a", path: "z")
        _ = try vfs.deleteDraftFile(app: "site", draft: "a", path: "y")
        _ = try vfs.deleteDraftFile(app: "site", draft: "a", path: "d/x")
        _ = try vfs.deleteDraftFile(app: "site", draft: "a", path: "index.html")
        let empty = #expect(throws: VFSError.self) {
            try vfs.commitDraft(app: "site", draft: "a", options: .init())
        }
        #expect(empty?.message.contains("no files") == true)
        #expect(try vfs.snapshot(app: "site")?.version == 1)
    }
}

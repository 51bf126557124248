import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztVFS

@Suite struct VersionDiffTests {
    /// File indexes and a content table built from path → bytes.
    struct Files {
        var entries: [String: FileEntry] = [:]
        var contents: [ContentHash: [UInt8]] = [:]

        init(_ files: [String: [UInt8]]) {
            for (path, bytes) in files {
                let hash = ContentHash(of: bytes)
                entries[path] = FileEntry(hash: hash, size: bytes.count, mime: "text/plain")
                contents[hash] = bytes
            }
        }
    }

    static func diff(
        _ old: [String: [UInt8]],
        _ new: [String: [UInt8]],
        limits: DiffLimits = .init()
    ) -> VersionDiff {
        let before = Files(old)
        let after = Files(new)
        return VersionDiff.build(
            app: "site",
            from: 1,
            to: 2,
            old: before.entries,
            new: after.entries,
            limits: limits
        ) { before.contents[$0] ?? after.contents[$0] }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func listsAddedModifiedDeletedAndRenamedPaths() {
        let diff = Self.diff(
            [
                "index.html": Self.bytes("<h1>one</h1>\n"), "old.css": Self.bytes("a{}\n"),
                "gone.txt": Self.bytes("bye\n"),
                "same.txt": Self.bytes("same\n"),
            ],
            [
                "index.html": Self.bytes("<h1>two</h1>\n"), "new.css": Self.bytes("a{}\n"),
                "added.js": Self.bytes("x\n"),
                "same.txt": Self.bytes("same\n"),
            ]
        )
        #expect(diff.files.map(\.path) == ["added.js", "gone.txt", "index.html", "new.css"])
        #expect(diff.files.map(\.status) == [.added, .deleted, .modified, .renamed])
        #expect(diff.files[3].from == "old.css" && diff.files[3].additions == 0)
        #expect(diff.files[0].oldSize == nil && diff.files[0].newSize == 2 && diff.files[0].additions == 1)
        #expect(diff.files[1].deletions == 1 && diff.files[1].newSize == nil)
        #expect(!diff.truncated && diff.omittedFiles == 0)
        #expect(
            diff.diff == """
                diff --git a/added.js b/added.js
                new file mode 100644
                --- /dev/null
                +++ b/added.js
                @@ -0,0 +1 @@
                +x
                diff --git a/gone.txt b/gone.txt
                deleted file mode 100644
                --- a/gone.txt
                +++ /dev/null
                @@ -1 +0,0 @@
                -bye
                diff --git a/index.html b/index.html
                --- a/index.html
                +++ b/index.html
                @@ -1 +1 @@
                -<h1>one</h1>
                +<h1>two</h1>
                diff --git a/old.css b/new.css
                similarity index 100%
                rename from old.css
                rename to new.css

                """
        )
    }

    @Test func summarizesBinaryFiles() {
        var limits = DiffLimits()
        limits.maxFileBytes = 100
        let diff = Self.diff(
            ["logo.png": [0x89, 0x50, 0, 1], "bad.txt": [0xFF, 0xFE, 0x41], "big.txt": Self.bytes("a\n")],
            [
                "logo.png": [0x89, 0x50, 0, 2], "bad.txt": [0xFF, 0xFE, 0x42],
                "big.txt": Array(repeating: 0x61, count: 101),
            ],
            limits: limits
        )
        #expect(diff.files.allSatisfy { $0.binary && $0.additions == nil && $0.deletions == nil })
        #expect(diff.files.first { $0.path == "big.txt" }?.newSize == 101)
        #expect(diff.diff.contains("diff --git a/logo.png b/logo.png\nBinary files a/logo.png and b/logo.png differ\n"))
        #expect(diff.diff.contains("Binary files a/bad.txt and b/bad.txt differ"))
        #expect(diff.diff.contains("Binary files a/big.txt and b/big.txt differ"))
        let added = Self.diff([:], ["x.bin": [0, 1, 2]])
        #expect(added.diff.contains("Binary files /dev/null and b/x.bin differ"))
    }

    @Test func capsTheDiffTextAndCountsFilesLeftOut() {
        var limits = DiffLimits()
        limits.maxDiffBytes = 200
        var old: [String: [UInt8]] = [:]
        var new: [String: [UInt8]] = [:]
        for index in 0..<5 {
            old["f\(index).txt"] = Self.bytes(String(repeating: "old line \(index)\n", count: 3))
            new["f\(index).txt"] = Self.bytes(String(repeating: "new line \(index)\n", count: 3))
        }
        let diff = Self.diff(old, new, limits: limits)
        #expect(diff.files.count == 5 && diff.files.allSatisfy { $0.additions == 3 && $0.deletions == 3 })
        #expect(diff.truncated && diff.omittedFiles == 4, "\(diff.omittedFiles)")
        #expect(diff.diff.utf8.count <= 200 && diff.diff.hasPrefix("diff --git a/f0.txt b/f0.txt"))

        limits = DiffLimits()
        limits.maxReadBytes = 70
        let budget = Self.diff(old, new, limits: limits)
        #expect(budget.files.filter { $0.additions == nil }.count == 4 && budget.truncated)
    }

    @Test func pairsEachDeletedPathWithOneRename() {
        let content = Self.bytes("same\n")
        let diff = Self.diff(
            ["a.txt": content, "b.txt": content],
            ["c.txt": content, "d.txt": content, "e.txt": content]
        )
        #expect(diff.files.map(\.status) == [.renamed, .renamed, .added])
        #expect(diff.files.map(\.from) == ["a.txt", "b.txt", nil])
    }

    @Test func readsVersionsFromTheStore() throws {
        let directory = try TemporaryDirectory()
        let vfs = VFS(store: try Store(path: directory.path + "/data.db"))
        for text in ["one\n", "two\n"] {
            let path = try ArchiveFixtures.write(
                try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", text)]),
                in: directory,
                name: UUID().uuidString
            )
            _ = try vfs.deploy(app: "site", archivePath: path, source: "test")
        }
        let diff = try vfs.diff(app: "site", from: .number(1), to: .live)
        #expect(diff.from == 1 && diff.to == 2 && diff.files.map(\.status) == [.modified])
        #expect(diff.diff.hasSuffix("@@ -1 +1 @@\n-one\n+two\n"))
        #expect(try vfs.diff(app: "site", from: .live, to: .number(2)).files.isEmpty)
        #expect {
            try vfs.diff(app: "site", from: .number(1), to: .number(9))
        } throws: { ($0 as? VFSError)?.code == .versionNotFound && "\($0)".contains("no version 9") }
        #expect {
            try vfs.diff(app: "nosuch", from: .number(1), to: .number(2))
        } throws: { ($0 as? VFSError)?.code == .notFound }
    }

    @Test func parsesVersionReferences() {
        #expect(VersionReference("7") == .number(7) && VersionReference("live") == .live)
        #expect(VersionReference("0") == nil && VersionReference("-1") == nil && VersionReference("v2") == nil)
        #expect(
            VersionReference("+5") == nil && VersionReference("") == nil
                && VersionReference("99999999999999999999") == nil
        )
    }
}

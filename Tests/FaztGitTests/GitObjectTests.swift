import FaztGit
import FaztTestSupport
import Foundation
import Testing

@Suite struct GitObjectTests {
    @Test func blobIDsMatchGitHashObject() throws {
        let samples: [[UInt8]] = [
            [], Array("hello\n".utf8), Array(repeating: 0, count: 1000), (0..<256).map(UInt8.init),
        ]
        for sample in samples {
            let expected = try BareGitRepository.git(["hash-object", "--stdin"], input: sample)
            #expect(GitObjectID(type: .blob, body: sample).hex == expected.trimmingCharacters(in: .newlines))
        }
    }

    @Test func parsesAndPrintsHex() throws {
        let id = GitObjectID(type: .blob, body: [])
        #expect(id.hex == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
        #expect(GitObjectID(hex: id.hex.uppercased()) == id)
        #expect(GitObjectID(hex: "xyz") == nil)
        #expect(GitObjectID(bytes: [1, 2]) == nil)
    }

    @Test func sortsEntriesAsGitDoesWithFoldersComparedAsNameSlash() throws {
        let blob = GitObject(type: .blob, body: Array("x".utf8))
        // "a.b" < "a/" < "a0": a folder "a" sorts after the file "a.b" and before "a0".
        let result = GitTree.build([
            .init(path: "a0", blob: blob.id), .init(path: "a/z.txt", blob: blob.id), .init(path: "a.b", blob: blob.id),
        ])
        let repo = try BareGitRepository()
        try repo.write(blob)
        for tree in result.trees { try repo.write(tree) }
        let listing = try repo.run("ls-tree", result.root.hex)
        #expect(
            listing.split(separator: "\n").map { $0.split(separator: "\t").last.map(String.init) } == [
                "a.b", "a", "a0",
            ]
        )
        #expect(listing.contains("040000 tree "))
        try repo.run("fsck", "--strict", "--no-dangling")
    }

    @Test func treesAndCommitsAreAcceptedByGit() throws {
        let repo = try BareGitRepository()
        let index = GitObject(type: .blob, body: Array("<h1>hi</h1>\n".utf8))
        let script = GitObject(type: .blob, body: Array("export default () => 1\n".utf8))
        for blob in [index, script] { try repo.write(blob) }
        let first = GitTree.build([.init(path: "index.html", blob: index.id)])
        let second = GitTree.build([
            .init(path: "index.html", blob: index.id), .init(path: "api/v1/hello.js", blob: script.id),
        ])
        for tree in first.trees + second.trees { try repo.write(tree) }
        let one = GitObject.commit(tree: first.root, parents: [], seconds: 1_700_000_000, message: "Version 1")
        let two = GitObject.commit(tree: second.root, parents: [one.id], seconds: 1_700_000_100, message: "Version 2\n")
        try repo.write(one)
        try repo.write(two)
        try repo.setBranch("main", to: two.id)

        try repo.run("fsck", "--strict", "--no-dangling")
        #expect(try repo.run("log", "--format=%H", "main") == "\(two.id.hex)\n\(one.id.hex)\n")
        #expect(try repo.run("ls-tree", "-r", "--name-only", "main") == "api/v1/hello.js\nindex.html\n")
        let shown = try repo.run("cat-file", "-p", two.id.hex)
        #expect(shown.contains("author Fazt <fazt@localhost> 1700000100 +0000\n"))
        #expect(shown.hasSuffix("\n\nVersion 2\n"))
        #expect(try repo.run("cat-file", "-p", "main:api/v1/hello.js") == "export default () => 1\n")
        // git's own encoding of the same tree gives the same id.
        #expect(try repo.run("rev-parse", "main^{tree}") == second.root.hex + "\n")
        #expect(GitObject.treeOfCommit(two.body) == second.root)
    }

    @Test func encodingIsDeterministic() {
        let blob = GitObjectID(type: .blob, body: [1])
        let files = (0..<50).map { GitTree.File(path: "d\($0 % 5)/f\($0).txt", blob: blob) }
        let a = GitTree.build(files)
        let b = GitTree.build(files.reversed())
        #expect(a.root == b.root && a.trees.map(\.id) == b.trees.map(\.id))
        #expect(a.trees.count == 6)
        let commit = GitObject.commit(tree: a.root, parents: [], seconds: 1, message: "m\0n")
        #expect(commit == GitObject.commit(tree: a.root, parents: [], seconds: 1, message: "m\0n"))
        #expect(!commit.body.contains(0))
    }
}

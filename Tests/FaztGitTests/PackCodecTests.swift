import FaztGit
import FaztTestSupport
import Foundation
import Testing

/// The pack codec against the real git: packs written here pass `index-pack --strict`, packs git writes read back.
@Suite struct PackCodecTests {
    /// A work tree with three commits of large, similar files, so `git pack-objects` writes deltas.
    private static func makeHistory() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let work = directory.path + "/work"
        try GitCLI.check(["init", "--quiet", "-b", "main", work])
        let lines = (0..<2000).map { "line \($0) of a file long enough to be worth a delta" }
        for round in 0..<3 {
            var text = lines
            text[round * 100] = "changed in round \(round)"
            try text.joined(separator: "\n").write(toFile: work + "/big.txt", atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: work + "/api", withIntermediateDirectories: true)
            try "export default () => \(round)\n".write(toFile: work + "/api/x.js", atomically: true, encoding: .utf8)
            try GitCLI.check(["add", "."], in: work)
            try GitCLI.check(["commit", "--quiet", "-m", "round \(round)"], in: work)
        }
        return (directory, work)
    }

    /// Every object in the repository at `work`, by id.
    private static func allObjects(_ work: String) throws -> [GitObjectID: GitObject] {
        let pack = try GitCLI.check(["pack-objects", "--revs", "--all", "--stdout"], in: work, input: []).output
        var reader = PackReader(base: { _ in nil })
        try reader.feed(pack)
        return Dictionary(uniqueKeysWithValues: try reader.finish().map { ($0.id, $0) })
    }

    private static func expectedIDs(_ work: String, _ revisions: [String]) throws -> Set<String> {
        let listing = try GitCLI.check(["rev-list", "--objects"] + revisions, in: work).text
        return Set(listing.split(separator: "\n").map { String($0.prefix(40)) })
    }

    @Test func packWriterOutputPassesIndexPackStrictAndFsck() throws {
        let repo = try BareGitRepository()
        let index = GitObject(type: .blob, body: Array("<h1>hi</h1>\n".utf8))
        let big = GitObject(type: .blob, body: (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let tree = GitTree.build([.init(path: "index.html", blob: index.id), .init(path: "data/big.bin", blob: big.id)])
        let commit = GitObject.commit(tree: tree.root, parents: [], seconds: 1_700_000_000, message: "one")
        let pack = PackWriter.pack([commit] + tree.trees + [index, big])
        try GitCLI.check(["--git-dir=\(repo.path)", "index-pack", "--strict", "--stdin"], input: pack)
        try repo.setBranch("main", to: commit.id)
        try repo.run("fsck", "--strict", "--no-dangling")
        #expect(try repo.run("cat-file", "-p", "main:data/big.bin").utf8.count > 0)
    }

    @Test func readsGitPacksWithOffsetAndReferenceDeltas() throws {
        let (directory, work) = try Self.makeHistory()
        let expected = try Self.expectedIDs(work, ["--all"])
        for flags in [["--delta-base-offset"], []] {
            let pack = try GitCLI.check(["pack-objects", "--revs", "--all", "--stdout"] + flags, in: work, input: [])
            // The pack really holds deltas (otherwise this test proves less than it claims).
            let file = directory.path + "/test.pack"
            try Data(pack.output).write(to: URL(fileURLWithPath: file))
            try GitCLI.check(["index-pack", file], in: work)
            let verify = try GitCLI.check(["verify-pack", "-v", directory.path + "/test.idx"], in: work).text
            #expect(verify.contains("chain length = 1"))
            var reader = PackReader(base: { _ in nil })
            // Feed in uneven pieces, as a request body arrives.
            var rest = pack.output[...]
            while !rest.isEmpty {
                let piece = rest.prefix(777)
                try reader.feed(piece)
                rest = rest.dropFirst(piece.count)
            }
            let objects = try reader.finish()
            #expect(Set(objects.map(\.id.hex)) == expected)
        }
    }

    @Test func resolvesThinPackBasesThroughTheLookup() throws {
        let (directory, work) = try Self.makeHistory()
        _ = directory
        let known = try Self.allObjects(work)
        let thin = try GitCLI.check(
            ["pack-objects", "--revs", "--thin", "--stdout"],
            in: work,
            input: Array("HEAD\n^HEAD~1\n".utf8)
        ).output
        let asked = Counter()
        var reader = PackReader(base: { id in
            asked.add()
            return known[id]
        })
        try reader.feed(thin)
        let objects = try reader.finish()
        #expect(asked.value > 0)
        let expected = try Self.expectedIDs(work, ["HEAD", "^HEAD~1"])
        #expect(Set(objects.map(\.id.hex)) == expected)

        var blind = PackReader(base: { _ in nil })
        try blind.feed(thin)
        #expect(throws: GitProtocolError.self) { try blind.finish() }
    }

    @Test func corruptAndTruncatedPacksGiveClearErrors() throws {
        let blob = GitObject(type: .blob, body: Array("hello world\n".utf8))
        let pack = PackWriter.pack([blob, GitObject(type: .blob, body: [1, 2, 3])])
        var flipped = pack
        flipped[20] ^= 0xFF
        #expect(Self.message(flipped).contains("checksum"))
        #expect(Self.message(Array(pack.dropLast(5))).contains("checksum"))
        #expect(Self.message(Array(pack.prefix(10))).contains("truncated"))
        #expect(Self.message(Array("HELLO-this-is-no-pack-at-all".utf8)).contains("PACK"))
        #expect(Self.message(pack, limits: PackLimits(maxObjects: 1)).contains("maxObjects"))
        #expect(Self.message(pack, limits: PackLimits(maxPackBytes: 40)).contains("maxPackBytes"))
        #expect(Self.message(pack, limits: PackLimits(maxObjectSize: 4)).contains("maxObjectSize"))
    }

    private static func message(_ bytes: [UInt8], limits: PackLimits = PackLimits()) -> String {
        var reader = PackReader(limits: limits, base: { _ in nil })
        do {
            try reader.feed(bytes)
            _ = try reader.finish()
            return "no error"
        } catch let error as GitProtocolError {
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func parsesCommitsAndTreesGitWrote() throws {
        let (directory, work) = try Self.makeHistory()
        _ = directory
        let objects = try Self.allObjects(work)
        let head = try #require(GitObjectID(hex: try GitCLI.check(["rev-parse", "HEAD"], in: work).text.trimmed))
        let commit = try #require(objects[head])
        let info = try GitCommitInfo.parse(commit.body)
        #expect(info.tree.hex == (try GitCLI.check(["rev-parse", "HEAD^{tree}"], in: work).text.trimmed))
        #expect(info.parents.map(\.hex) == [try GitCLI.check(["rev-parse", "HEAD~1"], in: work).text.trimmed])
        #expect(GitCommitInfo.message(commit.body) == "round 2\n")
        let entries = try GitTree.entries(try #require(objects[info.tree]).body)
        #expect(entries.map(\.name) == ["api", "big.txt"])
        #expect(entries.map(\.mode) == ["40000", "100644"])
        #expect(throws: GitProtocolError.self) { try GitCommitInfo.parse(Array("nonsense\n".utf8)) }
    }
}

/// Counts calls from a `@Sendable`-free closure in a test.
private final class Counter: @unchecked Sendable {
    // Safe: used from one test's thread only.
    private(set) var value = 0
    func add() { value += 1 }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}

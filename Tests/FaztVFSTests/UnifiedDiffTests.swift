import FaztTestSupport
import Foundation
import Testing

@testable import FaztVFS

/// Hunks compared with `git diff --no-index` itself, where git is installed.
@Suite struct UnifiedDiffTests {
    static let git = "/usr/bin/git"
    static var hasGit: Bool { FileManager.default.isExecutableFile(atPath: git) }

    static func hunks(_ old: String, _ new: String) -> String {
        String(decoding: UnifiedDiff(old: Array(old.utf8), new: Array(new.utf8)).text, as: UTF8.self)
    }

    /// git's hunks for the same two texts, without the function context after `@@ … @@`.
    static func gitHunks(_ old: String, _ new: String, extra: [String] = []) throws -> String {
        let directory = try TemporaryDirectory()
        try old.write(toFile: directory.path + "/a", atomically: false, encoding: .utf8)
        try new.write(toFile: directory.path + "/b", atomically: false, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: git)
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.arguments =
            ["diff", "--no-index", "--no-color", "--no-ext-diff", "-U3", "--no-indent-heuristic"] + extra + ["a", "b"]
        process.environment = ["HOME": directory.path, "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // Split on the byte: "\r\n" is one Character, so a String split would keep CRLF lines whole.
        let lines = Array(data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        if extra.contains("--numstat") { return lines.joined(separator: "\n") }
        guard let start = lines.firstIndex(where: { $0.hasPrefix("@@") }) else { return "" }
        return lines[start...].map { line in
            // "@@ -1,3 +1,3 @@ context": keep up to the second "@@".
            guard line.hasPrefix("@@"), let end = line.dropFirst(2).range(of: "@@") else { return line }
            return String(line[..<end.upperBound])
        }.joined(separator: "\n")
    }

    static func numbered(_ range: ClosedRange<Int>) -> [String] { range.map { "line \($0)" } }
    static func text(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

    static let cases: [(String, String, String)] = {
        let ten = numbered(1...10)
        let thirty = numbered(1...30)
        var modified = ten
        modified[4] = "changed 5"
        var farApart = thirty
        farApart[2] = "changed 3"
        farApart[25] = "changed 26"
        var sixApart = thirty
        sixApart[9] = "x"
        sixApart[16] = "y"
        var sevenApart = thirty
        sevenApart[9] = "x"
        sevenApart[17] = "y"
        return [
            ("one line modified", text(ten), text(modified)),
            ("far apart changes", text(thirty), text(farApart)),
            ("six unchanged lines merge hunks", text(thirty), text(sixApart)),
            ("seven unchanged lines split hunks", text(thirty), text(sevenApart)),
            ("insert at start, delete at end", text(ten), text(["new"] + ten.dropLast(2))),
            ("newline added at end", "a\nb\nc", "a\nb\nc\n"),
            ("last line changed without newline", "a\nb\nc", "a\nb\nd"),
            ("whole file replaced", text(["a", "b", "c"]), text(["x", "y"])),
            ("file emptied", text(["a", "b"]), ""),
            ("file created", "", text(["a", "b"])),
            ("one line file", "a\n", "b\n"),
            ("CRLF lines", "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n"),
            ("only deletions", text(thirty), text(thirty.enumerated().filter { $0.offset % 7 != 3 }.map(\.element))),
        ]
    }()

    @Test(.enabled(if: hasGit)) func hunksMatchGit() throws {
        for (name, old, new) in Self.cases {
            let ours = Self.hunks(old, new)
            let theirs = try Self.gitHunks(old, new)
            #expect(Array(ours.utf8) == Array(theirs.utf8), "\(name)\nours:\n\(ours)\ngit:\n\(theirs)")
        }
    }

    @Test(.enabled(if: hasGit)) func lineCountsMatchGitMinimalOnRandomTexts() throws {
        for _ in 0..<15 {
            let old = Self.text((0..<Int.random(in: 0...30)).map { _ in ["a", "b", "c", "{", "}"].randomElement()! })
            let new = Self.text((0..<Int.random(in: 0...30)).map { _ in ["a", "b", "c", "{", "}"].randomElement()! })
            let ours = UnifiedDiff(old: Array(old.utf8), new: Array(new.utf8))
            let numstat = try Self.gitHunks(old, new, extra: ["--minimal", "--numstat"])
            let fields = numstat.split(whereSeparator: { $0 == "\t" || $0 == "\n" })
            let expected = fields.count >= 2 ? (Int(fields[0]) ?? -1, Int(fields[1]) ?? -1) : (0, 0)
            #expect((ours.additions, ours.deletions) == expected, "\(old) → \(new)")
        }
    }

    @Test func marksMissingNewlineOnBothSides() {
        let hunks = Self.hunks("a\nb", "a\nc")
        #expect(
            hunks == "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        )
    }

    @Test func equalTextsHaveNoHunks() {
        let diff = UnifiedDiff(old: Array("a\nb\n".utf8), new: Array("a\nb\n".utf8))
        #expect(diff.text.isEmpty && diff.additions == 0 && diff.deletions == 0)
    }

    @Test func rangesFollowGitConventions() {
        #expect(UnifiedDiff.range(0, 0) == "0,0")
        #expect(UnifiedDiff.range(4, 1) == "5")
        #expect(UnifiedDiff.range(4, 3) == "5,3")
    }
}

extension UnifiedDiffTests {
    /// `git apply` of our whole diff turns the old files into the new ones.
    @Test(.enabled(if: hasGit)) func gitAppliesTheVersionDiff() throws {
        let directory = try TemporaryDirectory()
        var old: [String: [UInt8]] = [:]
        var new: [String: [UInt8]] = [:]
        for index in 0..<6 {
            let lines = (0..<40).map { _ in ["a", "b", "c", "{", "}", "x y"].randomElement()! }
            let edited = lines.map { Int.random(in: 0..<8) == 0 ? "edited \($0)" : $0 }.filter { _ in
                Int.random(in: 0..<10) != 0
            }
            old["dir/f\(index).txt"] = Array((lines.joined(separator: "\n") + (index % 2 == 0 ? "\n" : "")).utf8)
            new["dir/f\(index).txt"] = Array((edited.joined(separator: "\n") + (index % 3 == 0 ? "\n" : "")).utf8)
        }
        old["gone.txt"] = Array("bye\n".utf8)
        new["added.txt"] = Array("hello\nworld".utf8)
        old["moved.txt"] = Array("same\n".utf8)
        new["sub/moved.txt"] = Array("same\n".utf8)
        for (path, bytes) in old {
            try FileManager.default.createDirectory(
                atPath: directory.path + "/" + (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/" + path))
        }
        let diff = VersionDiffTests.diff(old, new)
        try diff.diff.write(toFile: directory.path + "/patch", atomically: false, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.git)
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.arguments = ["apply", "patch"]
        process.environment = ["HOME": directory.path, "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(diff.diff)")
        for (path, bytes) in new {
            let applied = FileManager.default.contents(atPath: directory.path + "/" + path).map(Array.init)
            #expect(applied == bytes, "\(path)")
        }
        for path in old.keys where new[path] == nil {
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/" + path), "\(path)")
        }
    }

    @Test func largeUnrelatedFilesStayCheap() {
        let old = Array((0..<20_000).map { "old \($0)\n" }.joined().utf8)
        let new = Array((0..<20_000).map { "new \($0)\n" }.joined().utf8)
        let start = ContinuousClock.now
        let diff = UnifiedDiff(old: old, new: new)
        #expect(diff.additions == 20_000 && diff.deletions == 20_000)
        #expect(ContinuousClock.now - start < .seconds(20))
    }
}

import ArgumentParser
import FaztAPI
import FaztVFS
import Foundation

/// `fazt diff APP A B`: what changed between two versions.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two versions of an app.",
        discussion: """
            A and B are version numbers (see 'fazt versions APP') or 'live'. Prints a unified diff \
            (colored when the output is a terminal); --stat prints a per-file summary instead.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "The old version (a number or 'live').") var from: String
    @Argument(help: "The new version (a number or 'live').") var to: String
    @Flag(help: "Print changed files with added and removed line counts instead of the diff.") var stat = false

    func validate() throws {
        for version in [from, to] where VersionReference(version) == nil {
            throw ValidationError("'\(version)' is not a version: give a number (see 'fazt versions') or 'live'")
        }
    }

    func run() throws {
        let path = "/apps/\(app.lowercased())/versions/\(from)...\(to)/diff"
        guard let answer = try options.client().fetch(VersionDiffBody.self, "GET", path, json: options.json) else {
            return
        }
        if stat {
            print(Self.stat(answer.files), terminator: "")
        } else if isatty(STDOUT_FILENO) != 0 {
            print(Self.colored(answer.diff), terminator: "")
        } else {
            print(answer.diff, terminator: "")
        }
        if answer.truncated {
            let omitted = answer.omittedFiles ?? 0
            FileHandle.standardError.write(
                Data(
                    "note: the diff is truncated; \(omitted) file\(omitted == 1 ? "" : "s") left out (see --stat)\n"
                        .utf8
                )
            )
        }
    }

    /// Like `git diff --stat`: one line per file, then the totals.
    static func stat(_ files: [FileChangeBody]) -> String {
        if files.isEmpty { return "no changes\n" }
        let names = files.map { file in file.from.map { "\($0) => \(file.path)" } ?? file.path }
        let width = names.map(\.count).max() ?? 0
        let largest = max(1, files.map { ($0.additions ?? 0) + ($0.deletions ?? 0) }.max() ?? 1)
        let scale = min(1.0, 40.0 / Double(largest))
        var out = ""
        for (file, name) in zip(files, names) {
            let padded = name.padding(toLength: width, withPad: " ", startingAt: 0)
            if file.binary {
                out += " \(padded) | Bin \(file.oldSize ?? 0) -> \(file.newSize ?? 0) bytes\n"
            } else if let additions = file.additions, let deletions = file.deletions {
                let plus = Int((Double(additions) * scale).rounded(.up))
                let minus = Int((Double(deletions) * scale).rounded(.up))
                let bar = String(repeating: "+", count: plus) + String(repeating: "-", count: minus)
                out += " \(padded) | \(additions + deletions)\(bar.isEmpty ? "" : " " + bar)\n"
            } else {
                out += " \(padded) | (not diffed)\n"
            }
        }
        let additions = files.reduce(0) { $0 + ($1.additions ?? 0) }
        let deletions = files.reduce(0) { $0 + ($1.deletions ?? 0) }
        let changed = "\(files.count) file\(files.count == 1 ? "" : "s") changed"
        out += " \(changed), \(additions) insertion\(additions == 1 ? "" : "s")(+), "
        out += "\(deletions) deletion\(deletions == 1 ? "" : "s")(-)\n"
        return out
    }

    /// git's colors: file headers bold, hunk headers cyan, removed lines red, added lines green.
    static func colored(_ diff: String) -> String {
        var inHeader = false
        var out = ""
        // Split on the byte: "\r\n" is one Character, so a String split would keep CRLF lines whole.
        for bytes in Array(diff.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = String(decoding: bytes, as: UTF8.self)
            let color: String?
            if line.hasPrefix("diff --git ") {
                inHeader = true
                color = "1"
            } else if line.hasPrefix("@@") {
                inHeader = false
                color = "36"
            } else if inHeader {
                color = "1"
            } else if line.hasPrefix("-") {
                color = "31"
            } else if line.hasPrefix("+") {
                color = "32"
            } else {
                color = nil
            }
            if let color, !line.isEmpty {
                out += "\u{1B}[\(color)m\(line)\u{1B}[0m\n"
            } else {
                out += line + "\n"
            }
        }
        // The split leaves one empty piece after the final newline.
        return diff.hasSuffix("\n") ? String(out.dropLast()) : out
    }
}

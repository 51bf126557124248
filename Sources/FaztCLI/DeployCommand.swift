import ArgumentParser
import FaztAPI
import FaztVFS
import Foundation

/// `fazt deploy [DIR] [--app NAME]`: packs a folder and uploads it as the app's next version.
struct DeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a folder as a new version of an app.",
        discussion: """
            Packs DIR (skipping node_modules and dotfiles other than .well-known/) into a gzipped
            tar and uploads it. The app name comes from --app, else "name" in DIR/fazt.json, else
            the folder's name. After the URL it prints what the deploy set up and what still needs
            you: schedules with their next run, webhooks whose secret is not set, permissions not
            granted, files skipped (with the command that fixes each).
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The folder to deploy.") var directory: String = "."
    @Option(help: "The app name.") var app: String?
    @Option(help: "A note stored with the version.") var message: String?

    func run() throws {
        let (root, name) = try AppFolder.resolve(directory, app: app)
        let client = try options.client()
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("fazt-deploy-\(getpid()).tar.gz")
            .path
        defer { try? FileManager.default.removeItem(atPath: archive) }
        let packed = try DirectoryPacker.pack(root, into: archive)
        guard packed.files > 0 else { throw CLIError("\(directory) has no files to deploy") }
        guard let data = FileManager.default.contents(atPath: archive) else { throw CLIError("cannot read \(archive)") }
        let interactive = isatty(STDERR_FILENO) != 0 && !options.json
        if interactive {
            FileHandle.standardError.write(Data("packed \(packed.files) files (\(Output.size(packed.bytes)))\n".utf8))
        }
        var query = "?source=cli"
        if let message, let encoded = message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
            query += "&message=" + encoded
        }
        let progress = interactive ? ProgressBar(label: "uploading") : nil
        let bytes = try client.call(
            "POST",
            "/apps/\(name)/deploy\(query)",
            body: [UInt8](data),
            contentType: "application/gzip",
            progress: progress.map { bar in { sent, total in bar.update(sent, total) } }
        )
        progress?.finish()
        if options.json {
            Output.printRawJSON(bytes)
            return
        }
        let result = try JSONDecoder().decode(DeployBody.self, from: Data(bytes))
        if interactive {
            FileHandle.standardError.write(
                Data("deployed \(result.app) v\(result.version) (\(result.files) files)\n".utf8)
            )
        }
        print(result.url)
        for line in DeploySummaryLines.lines(result.summary, app: result.app, packed: packed.skipped) {
            print(line)
        }
    }

}

/// An app's folder as `fazt deploy` and `fazt dev` take it: the folder must exist; the app's name
/// is `--app`, else the `name` in its `fazt.json`, else the folder's name.
enum AppFolder {
    static func resolve(_ directory: String, app: String?) throws -> (root: URL, name: String) {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(directory) is not a folder")
        }
        do {
            return (root, try AppName.validate(app ?? manifestName(root) ?? root.lastPathComponent))
        } catch {
            throw CLIError("\(error.message) (pass --app NAME)")
        }
    }

    private static func manifestName(_ root: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent("fazt.json").path) else {
            return nil
        }
        return (try? Manifest.parse([UInt8](data)))?.name
    }
}

/// Packs a folder into a gzipped tar, skipping what should never be deployed.
enum DirectoryPacker {
    /// Dotfiles (`.git`, `.env`) and `node_modules`; `.well-known/` at the top is deployed
    /// (`/.well-known/security.txt`, ACME and app-link files live there).
    static func shouldSkip(_ name: String, prefix: String = "") -> Bool {
        if prefix.isEmpty && name == ".well-known" { return false }
        return name.hasPrefix(".") || name == "node_modules"
    }

    /// Packs `root`; returns the files and bytes packed and the paths skipped.
    static func pack(_ root: URL, into path: String) throws -> (files: Int, bytes: Int, skipped: [String]) {
        let writer = try ArchiveWriter(path: path)
        var files = 0
        var bytes = 0
        var skipped: [String] = []
        func walk(_ folder: URL, _ prefix: String) throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            for name in names {
                guard !shouldSkip(name, prefix: prefix) else {
                    skipped.append(prefix + name)
                    continue
                }
                let url = folder.appendingPathComponent(name)
                let values = try url.resourceValues(forKeys: [.isDirectoryKey, .isRegularFileKey, .isSymbolicLinkKey])
                if values.isSymbolicLink == true {
                    FileHandle.standardError.write(Data("skipping symbolic link \(prefix)\(name)\n".utf8))
                } else if values.isDirectory == true {
                    try walk(url, prefix + name + "/")
                } else if values.isRegularFile == true {
                    guard let data = FileManager.default.contents(atPath: url.path) else {
                        throw CLIError("cannot read \(url.path)")
                    }
                    try writer.addFile(prefix + name, data: [UInt8](data))
                    files += 1
                    bytes += data.count
                }
            }
        }
        try walk(root, "")
        try writer.close()
        return (files, bytes, skipped)
    }
}

/// The deploy summary as readable lines, printed after the URL.
enum DeploySummaryLines {
    static func lines(_ summary: DeploySummary?, app: String, packed skipped: [String]) -> [String] {
        var lines: [String] = []
        for schedule in summary?.schedules ?? [] {
            let next = schedule.nextRun.map { "next run " + readable($0) } ?? "no next run"
            lines.append("schedule \(schedule.name) (\(schedule.cron)): \(next)")
        }
        for subscription in summary?.subscriptions ?? [] {
            lines.append("event \(subscription.pattern) → \(subscription.handler)")
        }
        for hook in summary?.webhooks ?? [] {
            if let secret = hook.secret, !hook.secretSet {
                let fix = hook.fix ?? "fazt secret set \(app) \(secret) -"
                lines.append("webhook \(hook.name): secret \(secret) is not set — run: \(fix)")
            } else {
                let signed = hook.secret == nil ? "unsigned: anyone may post" : "\(hook.signature) signature"
                lines.append("webhook \(hook.name): \(hook.url) (\(signed))")
            }
        }
        for permission in summary?.permissions ?? [] {
            if permission.granted {
                lines.append("permission \(permission.permission): granted")
            } else {
                let fix = permission.fix ?? "fazt grant \(app) \(permission.permission)"
                lines.append("permission \(permission.permission): needs the owner's grant — run: \(fix)")
            }
        }
        if let server = summary?.skipped, !server.isEmpty {
            lines.append("skipped \(count(server.count, "archive entry", "archive entries")): \(list(server))")
        }
        let dotfiles = skipped.filter { ($0.split(separator: "/").last ?? "").hasPrefix(".") }
        if !dotfiles.isEmpty {
            lines.append("skipped \(count(dotfiles.count, "dotfile", "dotfiles")): \(list(dotfiles))")
        }
        let modules = skipped.filter { !dotfiles.contains($0) }
        if !modules.isEmpty {
            lines.append("skipped \(list(modules))")
        }
        return lines
    }

    /// `2026-12-01T03:00:00Z` → `2026-12-01 03:00 UTC`.
    static func readable(_ iso: String) -> String {
        guard iso.count >= 16, iso.hasSuffix("Z") else { return iso }
        return iso.prefix(10) + " " + iso.dropFirst(11).prefix(5) + " UTC"
    }

    private static func count(_ n: Int, _ one: String, _ many: String) -> String {
        "\(n) \(n == 1 ? one : many)"
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 5 ? items.joined(separator: ", ") : items.prefix(4).joined(separator: ", ") + ", …"
    }
}

/// A one-line progress bar on stderr.
final class ProgressBar {
    private let label: String
    private var lastPercent = -1

    init(label: String) { self.label = label }

    func update(_ done: Int64, _ total: Int64) {
        guard total > 0 else { return }
        let percent = Int(done * 100 / total)
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = width * percent / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)% of \(Output.size(Int(total)))".utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}

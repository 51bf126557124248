import ArgumentParser
import FaztServer
import FaztVFS
import Foundation

/// `fazt deploy [DIR] [--app NAME]`: packs a folder and uploads it as the app's next version.
struct DeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a folder as a new version of an app.",
        discussion: """
            Packs DIR (skipping .git, node_modules and dotfiles) into a gzipped tar and uploads it.
            The app name comes from --app, else "name" in DIR/fazt.json, else the folder's name.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The folder to deploy.") var directory: String = "."
    @Option(help: "The app name.") var app: String?
    @Option(help: "A note stored with the version.") var message: String?

    func run() throws {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(directory) is not a folder")
        }
        let name: String
        do {
            name = try AppName.validate(app ?? manifestName(root) ?? root.lastPathComponent)
        } catch {
            throw CLIError("\(error.message) (pass --app NAME)")
        }
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
    }

    private func manifestName(_ root: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent("fazt.json").path) else {
            return nil
        }
        return (try? Manifest.parse([UInt8](data)))?.name
    }
}

/// Packs a folder into a gzipped tar, skipping what should never be deployed.
enum DirectoryPacker {
    static func shouldSkip(_ name: String) -> Bool { name.hasPrefix(".") || name == "node_modules" }

    static func pack(_ root: URL, into path: String) throws -> (files: Int, bytes: Int) {
        let writer = try ArchiveWriter(path: path)
        var files = 0
        var bytes = 0
        func walk(_ folder: URL, _ prefix: String) throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            for name in names where !shouldSkip(name) {
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
        return (files, bytes)
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

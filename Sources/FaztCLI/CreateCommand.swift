import ArgumentParser
import FaztVFS
import Foundation

/// `fazt create NAME [--template T]`: scaffolds an app folder from a template embedded in the binary.
struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an app folder from a template, ready for 'fazt deploy'.",
        discussion: """
            Templates: static (an HTML page), api (a page and a JavaScript handler), assistant (a chat \
            assistant any website embeds with one <script> tag: see its README.md), automation (cron, \
            events and a durable timer). The folder is NAME (or --dir); it must not exist or be empty.
            """
    )

    @Argument(help: "The app name (also the folder's name unless --dir is given).") var name: String
    @Option(help: "static, api, assistant or automation.") var template: String = "static"
    @Option(help: "The folder to create (default: ./NAME).") var dir: String?

    func validate() throws {
        do {
            _ = try AppName.validate(name.lowercased())
        } catch {
            throw ValidationError(error.description)
        }
        guard Self.templates[template] != nil else {
            throw ValidationError(
                "unknown template \"\(template)\": use one of \(Self.templateNames.joined(separator: ", "))"
            )
        }
    }

    func run() throws {
        let appName = name.lowercased()
        let folder = URL(fileURLWithPath: dir ?? name)
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw CLIError("\(folder.path) already exists and is not empty: choose another name or --dir")
        }
        let files = Self.templates[template] ?? []
        for file in files {
            guard let data = Data(base64Encoded: file.base64) else { continue }
            let target = folder.appending(path: file.path)
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Self.filled(data, app: appName).write(to: target)
        }
        print("created \(folder.path) from the \(template) template (\(files.count) files)")
        for line in Self.nextSteps(template: template, app: appName, folder: dir ?? name) { print("  " + line) }
    }

    /// The embedded templates by name.
    static var templates: [String: [(path: String, base64: String)]] { EmbeddedTemplates.files }
    static var templateNames: [String] { templates.keys.sorted() }

    /// The template's text with `__APP_NAME__` replaced (binary files are copied as they are).
    static func filled(_ data: Data, app: String) -> Data {
        guard let text = String(data: data, encoding: .utf8), text.contains("__APP_NAME__") else { return data }
        return Data(text.replacingOccurrences(of: "__APP_NAME__", with: app).utf8)
    }

    static func nextSteps(template: String, app: String, folder: String) -> [String] {
        var steps = ["next: fazt deploy \(folder)"]
        switch template {
        case "assistant":
            steps = [
                "next: fazt ai provider add … && fazt ai model add … --default   (see fazt ai --help)",
                "      fazt deploy \(folder) && fazt grant \(app) ai",
                "      add your website's origin to \"assistant.origins\" in \(folder)/fazt.json",
                "      embed: <script src=\"https://\(app).<your domain>/widget.js\" defer></script>",
            ]
        case "automation":
            steps.append("then: fazt runs \(app)   (the cron job's runs)")
        default:
            break
        }
        return steps
    }
}

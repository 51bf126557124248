import Foundation

/// The client's saved server and token (`$XDG_CONFIG_HOME/fazt/config.json`, mode 0600).
struct CLIConfig: Codable {
    var server: String
    var token: String

    static var path: String {
        let environment = ProcessInfo.processInfo.environment
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/fazt/config.json"
    }

    static func load() -> CLIConfig? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(CLIConfig.self, from: data)
    }

    func save() throws {
        let url = URL(fileURLWithPath: Self.path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(),
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard
            FileManager.default.createFile(
                atPath: url.path,
                contents: try encoder.encode(self),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw CLIError("cannot write \(url.path)") }
    }
}

import ArgumentParser
import Foundation

/// `fazt kv APP get KEY`, `fazt kv APP list [PREFIX]`: an app's key-value data, read-only.
struct KVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv",
        abstract: "Read an app's key-value data: 'fazt kv APP get KEY', 'fazt kv APP list [PREFIX]'.",
        discussion: """
            get prints the value as JSON (exit 1 when the key is missing or expired); list prints keys \
            in order with their value sizes and expiry times. --json prints the API's JSON.
            """
    )

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case get
        case list
    }

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "get or list.") var action: Action
    @Argument(help: "get: the key; list: only keys starting with this prefix.") var key: String?
    @Option(help: "list: how many keys to show (1-1000).") var limit: Int = 100
    @Option(help: "list: start after this key (the last one of a previous page).") var after: String?

    func validate() throws {
        try Validation.limit(limit)
        if action == .get && (key ?? "").isEmpty { throw ValidationError("give the key: fazt kv APP get KEY") }
    }

    func run() throws {
        let client = try options.client()
        let name = app.lowercased()
        switch action {
        case .get:
            let bytes = try client.call("GET", "/apps/\(name)/kv/\(Self.encoded(key ?? ""))")
            if options.json {
                Output.printRawJSON(bytes)
            } else {
                guard let answer = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    throw CLIError("unexpected answer from the server")
                }
                print(Output.json(answer["value"] ?? NSNull(), pretty: true))
            }
        case .list:
            var path = "/apps/\(name)/kv?limit=\(limit)&prefix=\(Self.encoded(key ?? ""))"
            if let after { path += "&cursor=\(Self.encoded(after))" }
            let bytes = try client.call("GET", path)
            if options.json {
                Output.printRawJSON(bytes)
                return
            }
            guard let answer = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                let keys = answer["keys"] as? [[String: Any]]
            else { throw CLIError("unexpected answer from the server") }
            if keys.isEmpty {
                print("no keys\(key.map { " starting with \"\($0)\"" } ?? "") in \(name)")
                return
            }
            Output.table(
                ["KEY", "SIZE", "EXPIRES"],
                keys.map { item in
                    [
                        item["key"] as? String ?? "", Output.size((item["size"] as? NSNumber)?.intValue ?? 0),
                        (item["expiresAt"] as? NSNumber).map { Output.time($0.int64Value) } ?? "-",
                    ]
                }
            )
            if let cursor = answer["cursor"] as? String {
                FileHandle.standardError.write(
                    Data("more keys: fazt kv \(name) list \(key.map { "'\($0)' " } ?? "")--after '\(cursor)'\n".utf8)
                )
            }
        }
    }

    /// Percent-encodes a key for a path segment or query value (`/`, `?`, `&`, `%` included).
    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
    }
}

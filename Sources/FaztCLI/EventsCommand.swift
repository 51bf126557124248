import ArgumentParser
import FaztAPI
import Foundation

/// `fazt events APP`: persisted events the app can see.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show an app's persisted events (its own, and system events about it), newest first."
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Option(help: "Only types matching this pattern (e.g. 'order.*', 'system.**').") var type: String?
    @Option(help: "How many events to show (1-1000).") var limit: Int = 50

    func validate() throws { try Validation.limit(limit) }

    func run() throws {
        var path = "/apps/\(app.lowercased())/events?limit=\(limit)"
        if let type { path += "&type=\(type.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? type)" }
        let bytes = try options.client().call("GET", path)
        if options.json {
            Output.printRawJSON(bytes)
            return
        }
        guard let answer = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let events = answer["events"] as? [[String: Any]]
        else { throw CLIError("unexpected answer from the server") }
        if events.isEmpty {
            print("no persisted events for \(app.lowercased())")
            return
        }
        for event in events {
            let data = event["data"].flatMap {
                try? JSONSerialization.data(
                    withJSONObject: $0,
                    options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]
                )
            }
            let time = Output.time((event["time"] as? NSNumber)?.int64Value ?? 0)
            print(
                "\(time)  \(event["type"] as? String ?? "?")  \(event["source"] as? String ?? "?")  \(data.map { String(decoding: $0, as: UTF8.self) } ?? "null")"
            )
        }
    }
}

/// `fazt grant APP PERMISSION`: lets an app see another app's events (with the manifest permission).
struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract:
            "Grant an app a permission (e.g. events:app:other.*, ai, or connection:NAME for an OAuth connection).",
        discussion: "Without PERMISSION, lists the app's grants. --revoke takes one back."
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "The permission, as written in the app's fazt.json \"permissions\".") var permission: String?
    @Flag(help: "Revoke the permission instead.") var revoke = false

    func run() throws {
        let client = try options.client()
        let name = app.lowercased()
        let list: GrantList?
        if let permission {
            if revoke {
                let encoded = permission.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? permission
                list = try client.fetch(
                    GrantList.self,
                    "DELETE",
                    "/apps/\(name)/grants?permission=\(encoded)",
                    json: options.json
                )
            } else {
                let body = try JSONEncoder().encode(["permission": permission])
                list = try client.fetch(
                    GrantList.self,
                    "POST",
                    "/apps/\(name)/grants",
                    body: Array(body),
                    json: options.json
                )
            }
        } else {
            list = try client.fetch(GrantList.self, "GET", "/apps/\(name)/grants", json: options.json)
        }
        guard let list else { return }
        if let permission {
            print(revoke ? "revoked \(permission) from \(list.app)" : "granted \(permission) to \(list.app)")
        }
        print(list.grants.isEmpty ? "\(list.app) has no grants" : list.grants.map { "  \($0)" }.joined(separator: "\n"))
    }
}

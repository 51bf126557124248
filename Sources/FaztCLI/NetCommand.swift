import ArgumentParser
import FaztAPI
import FaztKernel
import Foundation

/// `fazt net allow|list|remove`: hosts the owner lets an app's `fetch` reach.
struct NetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net",
        abstract: "Grant, list and remove hosts an app's fetch() may reach (its egress rules).",
        discussion: """
            An app's allowlist is its fazt.json "egress" plus these grants. An app with neither may \
            reach any public host; once either exists, other hosts fail with NET_BLOCKED. Patterns: \
            api.github.com, *.slack.com (any deeper name, not slack.com itself), or an IP literal.
            """,
        subcommands: [Allow.self, List.self, Remove.self, Log.self]
    )

    struct Allow: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let the app reach a host (takes effect at once).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "A host pattern: api.github.com or *.slack.com.") var host: String

        func run() throws {
            let body = try JSONEncoder().encode(NetGrant(host: host))
            _ = try options.client().call("POST", "/apps/\(app.lowercased())/net", body: [UInt8](body))
            print("allowed \(host) for \(app.lowercased())")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a grant.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The granted host pattern.") var host: String

        func run() throws {
            let escaped = host.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? host
            _ = try options.client().call("DELETE", "/apps/\(app.lowercased())/net/\(escaped)")
            print("removed \(host) for \(app.lowercased())")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an app's egress rules.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String

        func run() throws {
            let path = "/apps/\(app.lowercased())/net"
            guard let list = try options.client().fetch(NetGrantList.self, "GET", path, json: options.json) else {
                return
            }
            guard list.restricted else {
                print("\(list.app) may reach any public host (no egress list, no grants)")
                return
            }
            let rows = (list.manifest ?? []).map { [$0, "fazt.json"] } + list.grants.map { [$0, "grant"] }
            Output.table(["HOST", "FROM"], rows)
        }
    }

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an app's newest outbound calls (host, method, status, bytes, duration; no bodies)."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Option(help: "How many calls (1-1000).") var limit = 100

        func run() throws {
            try Self.show(app: app, limit: limit, options: options)
        }

        /// Prints the newest `limit` outbound calls of `app` (also `fazt runs APP --kind fetch`).
        static func show(app: String, limit: Int, options: ClientOptions) throws {
            let path = "/apps/\(app.lowercased())/egress?limit=\(limit)"
            guard let list = try options.client().fetch(EgressCallList.self, "GET", path, json: options.json) else {
                return
            }
            let rows = list.calls.map { call in
                [
                    Output.time(call.at), call.method, call.host, call.status == 0 ? "-" : String(call.status),
                    String(call.bytes), "\(call.durationMs) ms", call.error ?? "",
                ]
            }
            Output.table(["AT", "METHOD", "HOST", "STATUS", "BYTES", "DURATION", "ERROR"], rows)
        }
    }
}

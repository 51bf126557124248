import ArgumentParser
import FaztAPI
import Foundation

/// `fazt connect`: OAuth accounts apps use by name (`fetch(url, {connection: "NAME"})`).
struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Connect OAuth accounts (Google, GitHub, Slack, …) that apps use by name, without seeing tokens.",
        discussion: """
            Register the OAuth client once (fazt connect provider add google --client-id ID \
            --client-secret-stdin), then connect an account: fazt connect add NAME --provider google \
            prints a link; open it in a browser and approve. The provider sends the browser back to \
            http://<domain>/_fazt/oauth/callback (https with fazt serve --public-url https://<domain>; \
            register that redirect URI with the provider). Tokens \
            are stored encrypted in data.db and refreshed by the server. An app needs the grant: \
            fazt grant APP connection:NAME; then fetch(url, {connection: "NAME"}) sends the token.
            """,
        subcommands: [ProviderCommand.self, Add.self, List.self, Remove.self]
    )

    /// Scopes given as `a,b` or `a b` (repeatable).
    static func scopes(_ values: [String]) -> [String]? {
        let scopes = values.flatMap { $0.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) }
        return scopes.isEmpty ? nil : scopes
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start connecting an account: prints the link to open in a browser (valid 10 minutes).",
            discussion: "Running it again for an existing NAME reconnects it (e.g. after it broke)."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The connection name apps use (e.g. google-work).") var name: String
        @Option(help: "The provider registered with 'fazt connect provider add'.") var provider: String
        @Option(help: "Scopes to ask for, comma-separated (default: the provider's).") var scopes: [String] = []

        func run() throws {
            let body = try JSONEncoder().encode(
                ConnectionBody(name: name, provider: provider, scopes: ConnectCommand.scopes(scopes))
            )
            guard
                let started = try options.client().fetch(
                    ConnectionStarted.self,
                    "POST",
                    "/connect/connections",
                    body: [UInt8](body),
                    json: options.json
                )
            else { return }
            print(started.authorizeURL)
            FileHandle.standardError.write(
                Data(
                    ("Open the link above in a browser to connect \(started.name) (valid 10 minutes).\n"
                        + "The provider must accept the redirect URI \(started.redirectURI)\n").utf8
                )
            )
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List connections: status (ok, broken, pending), scopes, expiry and last use."
        )
        @OptionGroup var options: ClientOptions

        func run() throws {
            guard
                let list = try options.client().fetch(
                    ConnectionList.self,
                    "GET",
                    "/connect/connections",
                    json: options.json
                )
            else { return }
            let rows = list.connections.map { item in
                [
                    item.name, item.provider, item.status,
                    item.scopes.isEmpty ? "-" : item.scopes.joined(separator: ","),
                    item.expiresAt.map(Output.time) ?? "-", item.lastUsedAt.map(Output.time) ?? "never",
                ]
            }
            Output.table(["NAME", "PROVIDER", "STATUS", "SCOPES", "EXPIRES", "LAST USED"], rows)
            for item in list.connections where item.status != "ok" {
                if let error = item.lastError { print("\(item.name): \(error)") }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a connection, revoking its token at the provider where it supports that."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The connection name.") var name: String

        func run() throws {
            let bytes = try options.client().call("DELETE", "/connect/connections/\(name)")
            if options.json { return Output.printRawJSON(bytes) }
            let note = (try? JSONDecoder().decode([String: String].self, from: Data(bytes)))?["revocation"]
            print("removed \(name)" + (note.map { " (\($0))" } ?? ""))
        }
    }
}

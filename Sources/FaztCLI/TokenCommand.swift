import ArgumentParser
import FaztKernel
import FaztStore
import Foundation

/// `fazt token`: owner tokens, managed directly in the database file (works while serving).
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke tokens (owner tokens and scoped ones for agents).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct DataOption: ParsableArguments {
        @Option(help: "The database file.") var data: String = "./data.db"

        func openTokens() throws -> (Store, Tokens) {
            guard FileManager.default.fileExists(atPath: data) else {
                throw CLIError("no database at \(data); start 'fazt serve --data \(data)' once to create it")
            }
            let store = try Store(path: data)
            return (store, Tokens(store: store))
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new token (only its hash is stored): an owner token, or a scoped one.",
            discussion: """
                Without --app, --preset or --scope the token is an owner token (everything). With them \
                it is scoped: it reaches only the named apps ('*' for all) and does only what its \
                scopes allow. Presets: read (apps:read logs:read storage:read), build (+apps:write, \
                app-tools:call: drafts, commits that do not go live, previews; cannot deploy), ship \
                (+apps:deploy apps:create storage:write). Scopes: apps:read, apps:write, apps:deploy, \
                apps:create, logs:read, storage:read, storage:write, storage:admin, app-tools:call. \
                A scoped token expires (default 7d, at most 90d). The \
                token is printed once on stdout; stderr shows the line that adds Fazt's MCP endpoint to Claude Code.
                """
        )
        @OptionGroup var options: DataOption
        @Option(help: "A label to recognise the token by.") var name: String = "cli"
        @Option(help: "An app the token reaches (repeat for more; '*' for all).") var app: [String] = []
        @Option(help: "read, build or ship.") var preset: String?
        @Option(help: "A scope to grant (repeat or separate with commas).") var scope: [String] = []
        @Option(help: "Lifetime of a scoped token: 30m, 12h, 7d (default), at most 90d.") var expires: String?
        @Option(help: "The server's URL for the MCP line (default: FAZT_SERVER, the login's, or localhost).")
        var url: String?

        func run() throws {
            let scoped = !app.isEmpty || preset != nil || !scope.isEmpty || expires != nil
            var grant: TokenGrant?
            if scoped {
                var scopes = try TokenScope.parseList(scope.joined(separator: ","))
                if let preset {
                    guard let named = TokenScope.Preset(rawValue: preset) else {
                        throw ValidationError("unknown preset '\(preset)': use read, build or ship")
                    }
                    for scope in named.scopes where !scopes.contains(scope) { scopes.append(scope) }
                }
                let lifetime = try expires.map(Self.parseDuration)
                grant = try TokenGrant(
                    apps: app,
                    scopes: scopes,
                    lifetimeMs: lifetime,
                    now: WallClock.nowMilliseconds()
                )
            }
            let (store, tokens) = try options.openTokens()
            defer { store.close() }
            let created = try tokens.create(name: name, grant: grant)
            print(created.token)
            let base =
                url ?? ProcessInfo.processInfo.environment["FAZT_SERVER"] ?? CLIConfig.load()?.server
                ?? "http://localhost:8080"
            let endpoint = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/_fazt/mcp"
            // stdout stays the token alone (scripts capture it); the MCP line is for people.
            let line =
                "claude mcp add --transport http fazt \(endpoint) --header \"Authorization: Bearer \(created.token)\""
            FileHandle.standardError.write(Data("add it to an MCP client such as Claude Code with:\n\(line)\n".utf8))
        }

        /// `30m`, `12h`, `7d`, `3600s` → milliseconds.
        static func parseDuration(_ text: String) throws -> Int64 {
            let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
            guard let unit = text.last.flatMap({ units[$0] }), let value = Int64(text.dropLast()), value > 0 else {
                throw ValidationError("'\(text)' is not a duration: use a number and s, m, h or d, such as 7d")
            }
            return value * unit
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the secrets).")
        @OptionGroup var options: DataOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let (store, tokens) = try options.openTokens()
            defer { store.close() }
            let list = try tokens.list()
            if json {
                try Output.printJSON(["tokens": list])
            } else {
                Output.table(
                    ["ID", "NAME", "APPS", "SCOPES", "CREATED", "EXPIRES", "LAST USED"],
                    list.map { token in
                        [
                            token.id, token.name, token.apps?.joined(separator: ",") ?? "*",
                            token.scopes?.joined(separator: ",") ?? "owner", Output.date(token.createdAt),
                            token.expiresAt.map(Output.date) ?? "never", token.lastUsedAt.map(Output.date) ?? "-",
                        ]
                    }
                )
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by id (it stops working at the next request)."
        )
        @OptionGroup var options: DataOption
        @Argument(help: "The token id (tok_…), from 'fazt token list'.") var id: String

        func run() throws {
            let (store, tokens) = try options.openTokens()
            defer { store.close() }
            guard try tokens.revoke(id: id) else { throw CLIError("no token with id '\(id)'") }
            print("revoked \(id)")
        }
    }
}

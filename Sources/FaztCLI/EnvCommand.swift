import ArgumentParser
import FaztAPI
import Foundation

/// `fazt env set|unset|list`: owner-set values that apps read with `fazt.env.get`.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Set, unset and list an app's environment values (read by fazt.env.get).",
        discussion: """
            Env values are plain settings: JavaScript reads them and 'fazt env list' shows them. API keys,
            tokens and signing keys belong in 'fazt secret set APP NAME -' instead: apps use a secret with
            fetch(url, {auth: "NAME"}) and fazt.secrets.hmac/sign/verify without ever reading it.
            """,
        subcommands: [Set.self, Unset.self, List.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a value (takes effect at once).",
            discussion: "Not for keys or tokens: use 'fazt secret set APP NAME -' (see 'fazt secret set --help')."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The key (letters, digits, '_').") var key: String
        @Argument(help: "The value.") var value: String

        func run() throws {
            let body = try JSONEncoder().encode(EnvValue(value: value))
            _ = try options.client().call("PUT", "/apps/\(app.lowercased())/env/\(key)", body: [UInt8](body))
            print("set \(key) for \(app.lowercased())")
        }
    }

    struct Unset: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a value.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The key.") var key: String

        func run() throws {
            _ = try options.client().call("DELETE", "/apps/\(app.lowercased())/env/\(key)")
            print("unset \(key) for \(app.lowercased())")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an app's values.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String

        func run() throws {
            let path = "/apps/\(app.lowercased())/env"
            guard let list = try options.client().fetch(EnvList.self, "GET", path, json: options.json) else { return }
            Output.table(["KEY", "VALUE"], list.env.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
        }
    }
}

import ArgumentParser
import FaztAPI
import Foundation

/// `fazt secret set|unset|list`: owner secrets (webhook signing keys, …), encrypted at rest and
/// never shown again.
struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract:
            "Set, unset and list an app's secrets (encrypted at rest; never shown again, never given to JavaScript).",
        discussion: "Secrets are encrypted with fazt.key beside data.db (or FAZT_SECRET_KEY): back it up with data.db.",
        subcommands: [Set.self, Unset.self, List.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a secret ('-' as the value reads it from stdin)."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The secret name (letters, digits, '_').") var name: String
        @Argument(help: "The value, or '-' to read it from stdin (keeps it out of shell history).") var value: String

        func run() throws {
            var secret = value
            if value == "-" {
                secret = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                while secret.hasSuffix("\n") || secret.hasSuffix("\r") { secret.removeLast() }
            }
            let body = try JSONEncoder().encode(EnvValue(value: secret))
            _ = try options.client().call("PUT", "/apps/\(app.lowercased())/secrets/\(name)", body: [UInt8](body))
            print("set secret \(name) for \(app.lowercased())")
        }
    }

    struct Unset: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a secret.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The secret name.") var name: String

        func run() throws {
            _ = try options.client().call("DELETE", "/apps/\(app.lowercased())/secrets/\(name)")
            print("unset secret \(name) for \(app.lowercased())")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an app's secret names (never values).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String

        func run() throws {
            let path = "/apps/\(app.lowercased())/secrets"
            guard let list = try options.client().fetch(SecretList.self, "GET", path, json: options.json) else {
                return
            }
            Output.table(["NAME", "SET AT"], list.secrets.map { [$0.name, Output.time($0.updatedAt)] })
        }
    }
}

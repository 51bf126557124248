import ArgumentParser
import FaztAPI
import Foundation

/// `fazt secret set|unset|list`: owner secrets (webhook signing keys, …), encrypted at rest and
/// never shown again.
struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract:
            "Set, unset and list secrets of an app or of all apps (encrypted at rest; apps use them without reading them).",
        discussion: "Secrets are encrypted with fazt.key beside data.db (or FAZT_SECRET_KEY): back it up with data.db.",
        subcommands: [Set.self, Unset.self, List.self]
    )

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a secret of an app or of all apps (without a value, it is read from stdin).",
            discussion: """
                'fazt secret set APP NAME [VALUE]' sets a secret of one app; 'fazt secret set --global NAME \
                [VALUE]' one that every app can use (an app's own secret of the same name wins). Without \
                VALUE, or with '-', the value is read from stdin.

                Apps use a secret without reading it: fetch(url, {auth: "NAME"}), "{{secret:NAME}}" in \
                headers, query or body, and fazt.secrets.hmac/sign/verify. --host binds it to hosts \
                (repeat it; "*.example.com" works): a request carrying it to any other host is refused \
                (NET_AUTH). --readable lets fazt.secrets.get(NAME) return the value to JavaScript.
                """
        )
        @OptionGroup var options: ClientOptions
        @Flag(help: "A global secret (every app); then give only NAME and VALUE.") var global = false
        @Option(name: .customLong("host"), help: "Bind the secret to this host (repeatable).") var hosts: [String] = []
        @Flag(help: "Let fazt.secrets.get return the value to the app's JavaScript.") var readable = false
        @Argument(help: "APP NAME [VALUE], or NAME [VALUE] with --global (no VALUE or '-' reads it from stdin).")
        var arguments: [String]

        func validate() throws {
            let named = global ? 1 : 2
            guard arguments.count == named || arguments.count == named + 1 else {
                throw ValidationError(
                    global
                        ? "give NAME [VALUE] (with --global)" : "give APP NAME [VALUE] (or --global NAME [VALUE])"
                )
            }
        }

        func run() throws {
            let named = global ? 1 : 2
            let (path, label) = SecretCommand.target(global ? nil : arguments[0])
            let name = arguments[named - 1]
            var secret = arguments.count > named ? arguments[named] : "-"
            if secret == "-" {
                if isatty(STDIN_FILENO) != 0 {
                    FileHandle.standardError.write(Data("value of \(name) (then Enter and Ctrl-D): ".utf8))
                }
                secret = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                while secret.hasSuffix("\n") || secret.hasSuffix("\r") { secret.removeLast() }
            }
            let value = SecretValue(value: secret, hosts: hosts.isEmpty ? nil : hosts, readable: readable ? true : nil)
            let body = try JSONEncoder().encode(value)
            _ = try options.client().call("PUT", "\(path)/\(name)", body: [UInt8](body))
            var line = "set secret \(name) for \(label)"
            if !hosts.isEmpty { line += " (only sent to \(hosts.joined(separator: ", ")))" }
            if readable { line += " (readable by JavaScript)" }
            print(line)
        }
    }

    /// The control path and a label for an app's secrets, or the global ones when `app` is nil.
    static func target(_ app: String?) -> (path: String, label: String) {
        guard let app else { return ("/secrets", "all apps (global)") }
        return ("/apps/\(app.lowercased())/secrets", app.lowercased())
    }

    struct Unset: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a secret.")
        @OptionGroup var options: ClientOptions
        @Flag(help: "Remove a global secret; then give only NAME.") var global = false
        @Argument(help: "APP NAME, or NAME with --global.") var arguments: [String]

        func validate() throws {
            guard arguments.count == (global ? 1 : 2) else {
                throw ValidationError(global ? "give NAME (with --global)" : "give APP and NAME (or --global NAME)")
            }
        }

        func run() throws {
            let (path, label) = SecretCommand.target(global ? nil : arguments[0])
            let name = arguments[arguments.count - 1]
            _ = try options.client().call("DELETE", "\(path)/\(name)")
            print("unset secret \(name) for \(label)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an app's secret names (never values), or the global ones with --global."
        )
        @OptionGroup var options: ClientOptions
        @Flag(help: "List the global secrets.") var global = false
        @Argument(help: "The app name (not with --global).") var app: String?

        func validate() throws {
            guard (app == nil) == global else { throw ValidationError("give APP, or --global") }
        }

        func run() throws {
            let (path, _) = SecretCommand.target(app)
            guard let list = try options.client().fetch(SecretList.self, "GET", path, json: options.json) else {
                return
            }
            Output.table(
                ["NAME", "HOSTS", "READABLE", "SET AT"],
                list.secrets.map {
                    [
                        $0.name, $0.hosts?.joined(separator: ",") ?? "any", $0.readable == true ? "yes" : "no",
                        Output.time($0.updatedAt),
                    ]
                }
            )
        }
    }
}

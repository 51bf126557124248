import ArgumentParser
import Foundation
import Glibc

/// `fazt owner password|sessions`: the owner's dashboard sign-in.
struct OwnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "owner",
        abstract: "Set the dashboard password and manage the owner's browser sessions.",
        subcommands: [Password.self, Sessions.self]
    )

    struct Password: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the password that signs in to the dashboard (read from a prompt or stdin).",
            discussion: """
                At a terminal it asks twice without echo; otherwise it reads one line from stdin \
                ('fazt owner password < file'). At least 10 characters: a passphrase of a few words is \
                best. Stored as an scrypt hash; signing in is rate-limited per address.
                """
        )
        @OptionGroup var options: ClientOptions
        @Flag(help: "Remove the password (sign in with a token link again).") var remove = false

        func run() throws {
            if remove {
                _ = try options.client().call("DELETE", "/owner/password")
                print("password removed: sign in with a token link ('fazt token create', then /#token=…)")
                return
            }
            let password = try Self.read()
            let body = try JSONSerialization.data(withJSONObject: ["password": password])
            _ = try options.client().call("PUT", "/owner/password", body: [UInt8](body))
            print("password set: sign in at the server's address")
        }

        static func read() throws -> String {
            guard isatty(STDIN_FILENO) != 0 else {
                var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                if let newline = text.firstIndex(where: { $0 == "\n" || $0 == "\r" }) {
                    text = String(text[..<newline])
                }
                guard !text.isEmpty else { throw CLIError("no password on stdin: pipe one line in") }
                return text
            }
            let first = try prompt("new dashboard password: ")
            let second = try prompt("again: ")
            guard first == second else { throw CLIError("the two passwords differ; nothing was changed") }
            return first
        }

        /// Reads a line from the terminal with echo off.
        static func prompt(_ text: String) throws -> String {
            FileHandle.standardError.write(Data(text.utf8))
            var saved = termios()
            tcgetattr(STDIN_FILENO, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw CLIError("no password given; nothing was changed")
            }
            return line
        }
    }

    struct Sessions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the owner's browser sessions; sign out one (--revoke ID) or all (--revoke-all)."
        )
        @OptionGroup var options: ClientOptions
        @Option(help: "Sign out the session with this id.") var revoke: String?
        @Flag(name: .customLong("revoke-all"), help: "Sign out every browser (dashboard and owner-only apps).")
        var revokeAll = false

        struct Listed: Decodable {
            var id: String
            var app: String?
            var createdAt: Int64
            var expiresAt: Int64
        }
        struct List: Decodable { var sessions: [Listed] }

        func run() throws {
            if revokeAll {
                _ = try options.client().call("DELETE", "/sessions")
                return print("signed out every browser")
            }
            if let revoke {
                _ = try options.client().call("DELETE", "/sessions/\(revoke)")
                return print("signed out session \(revoke)")
            }
            guard let list = try options.client().fetch(List.self, "GET", "/sessions", json: options.json) else {
                return
            }
            if list.sessions.isEmpty { return print("no browser sessions") }
            for session in list.sessions {
                let created = Date(timeIntervalSince1970: Double(session.createdAt) / 1000)
                print("\(session.id)  \(session.app.map { "app \($0)" } ?? "dashboard")  since \(created)")
            }
        }
    }
}

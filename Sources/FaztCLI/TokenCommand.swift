import ArgumentParser
import FaztKernel
import FaztStore
import Foundation

/// `fazt token`: owner tokens, managed directly in the database file (works while serving).
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke owner tokens.",
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
        static let configuration = CommandConfiguration(abstract: "Print a new owner token (only its hash is stored).")
        @OptionGroup var options: DataOption
        @Option(help: "A label to recognise the token by.") var name: String = "cli"

        func run() throws {
            let (store, tokens) = try options.openTokens()
            defer { store.close() }
            print(try tokens.create(name: name).token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List owner tokens (never the secrets).")
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
                    ["ID", "NAME", "CREATED"],
                    list.map { [$0.id, $0.name, Output.date($0.createdAt)] }
                )
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an owner token by id.")
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

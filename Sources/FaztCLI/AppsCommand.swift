import ArgumentParser
import FaztAPI
import Foundation

/// `fazt apps [list|info|delete]`.
struct AppsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "List, inspect and delete apps; set their storage quota.",
        subcommands: [List.self, Info.self, Delete.self, Quota.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List apps.")
        @OptionGroup var options: ClientOptions

        func run() throws {
            guard let list = try options.client().fetch(AppList.self, "GET", "/apps", json: options.json) else {
                return
            }
            guard !list.apps.isEmpty else {
                print("no apps yet; deploy one with 'fazt deploy DIR --app NAME'")
                return
            }
            Output.table(
                ["NAME", "VERSION", "FILES", "SIZE", "UPDATED", "URL"],
                list.apps.map { app in
                    [
                        app.name, app.version.map { "v\($0)" } ?? "-", "\(app.files)", Output.size(app.bytes),
                        Output.date(app.updatedAt), app.url,
                    ]
                }
            )
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one app.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var name: String

        func run() throws {
            let path = "/apps/\(name.lowercased())"
            guard let app = try options.client().fetch(AppBody.self, "GET", path, json: options.json) else { return }
            print("name:     \(app.name)")
            print("url:      \(app.url)")
            print("live:     \(app.version.map { "v\($0)" } ?? "-") of \(app.versions) versions")
            print("files:    \(app.files) (\(Output.size(app.bytes)))")
            print("created:  \(Output.date(app.createdAt))")
            print("updated:  \(Output.date(app.updatedAt))")
            if let storage = app.storage {
                let parts = [
                    ("kv", storage.kv), ("docs", storage.docs), ("sql", storage.sql), ("blobs", storage.blobs),
                    ("events", storage.events ?? 0),
                ]
                print(
                    "storage:  \(Output.size(Int(storage.bytes))) of \(Output.size(Int(storage.quota))) quota ("
                        + parts.map { "\($0.0) \(Output.size(Int($0.1)))" }.joined(separator: ", ") + ")"
                )
            }
            if let journal = app.journal {
                let oldest = journal.oldestAt.map { " since \(Output.date($0))" } ?? ""
                print(
                    "restore:  data journal \(journal.enabled ? "on" : "off"), \(journal.entries) entries "
                        + "(\(Output.size(Int(journal.bytes))))\(oldest); oldest restorable point: seq \(journal.oldestSeq); "
                        + "kept \(journal.maxAgeDays) days / \(Output.size(Int(journal.maxBytes)))"
                )
            }
        }
    }

    struct Quota: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an app's storage quota in MB (0 returns it to the server's default)."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var name: String
        @Argument(help: "The quota in MB.") var megabytes: Int

        func validate() throws {
            guard megabytes >= 0 else { throw ValidationError("the quota must not be negative") }
        }

        func run() throws {
            let body = QuotaBody(bytes: megabytes == 0 ? nil : Int64(megabytes) << 20)
            let bytes = try options.client().call(
                "PUT",
                "/apps/\(name.lowercased())/quota",
                body: Array(try JSONEncoder().encode(body))
            )
            if options.json {
                Output.printRawJSON(bytes)
            } else {
                print(megabytes == 0 ? "\(name): default quota" : "\(name): quota \(megabytes) MB")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an app with all its versions and stored data.",
            discussion: "Asks first on a terminal; without one (scripts, CI), --yes is required."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var name: String
        @Flag(help: "Do not ask for confirmation (required when stdin is not a terminal).") var yes = false

        func run() throws {
            if !yes {
                // Without a terminal nobody can answer: refuse rather than delete or wait.
                guard isatty(STDIN_FILENO) != 0 else {
                    throw CLIError(
                        "refusing to delete without --yes (stdin is not a terminal): "
                            + "run 'fazt apps delete \(name) --yes' to delete \(name) and all its data"
                    )
                }
                FileHandle.standardError.write(Data("Delete app '\(name)' and all its versions? [y/N] ".utf8))
                guard let answer = readLine(), answer.lowercased().hasPrefix("y") else { throw CLIError("not deleted") }
            }
            let bytes = try options.client().call("DELETE", "/apps/\(name.lowercased())")
            if options.json { Output.printRawJSON(bytes) } else { print("deleted \(name.lowercased())") }
        }
    }
}

/// `fazt versions APP`.
struct VersionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "versions", abstract: "List an app's versions.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String

    func run() throws {
        let path = "/apps/\(app.lowercased())/versions"
        guard let list = try options.client().fetch(VersionList.self, "GET", path, json: options.json) else { return }
        Output.table(
            ["VERSION", "LIVE", "COMMIT", "FILES", "SIZE", "SOURCE", "CREATED", "TAGS", "MESSAGE"],
            list.versions.map { version in
                [
                    "v\(version.version)", version.live ? "*" : "", String((version.commit ?? "-").prefix(12)),
                    "\(version.files)", Output.size(version.bytes),
                    version.source,
                    Output.date(version.createdAt), (version.tags ?? []).joined(separator: ","),
                    version.message ?? "",
                ]
            }
        )
    }
}

/// `fazt rollback APP VERSION`.
struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Make an earlier version live again."
    )
    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "The version number to serve.") var version: Int

    func run() throws {
        let body = Array(#"{"version":\#(version)}"#.utf8)
        let path = "/apps/\(app.lowercased())/rollback"
        guard let record = try options.client().fetch(AppBody.self, "POST", path, body: body, json: options.json) else {
            return
        }
        print("\(record.name) now serves v\(version): \(record.url)")
    }
}

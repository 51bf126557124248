import ArgumentParser
import FaztAPI
import Foundation

/// `fazt draft write|rm|status|list|commit|discard`: change an app file by file, then commit.
struct DraftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draft",
        abstract: "Change an app file by file in a named draft, then commit it as a version.",
        discussion: """
            A draft is created by its first write, on top of the live version (its base). Commit
            validates it like a deploy and makes it live; it is refused when the app moved on since
            the base (discard the draft and write again, or pass --force).
            """,
        subcommands: [Write.self, Remove.self, Status.self, List.self, Commit.self, Discard.self]
    )

    /// `/apps/{app}/drafts/{draft}` with an optional file path, each segment percent-encoded.
    static func route(_ app: String, _ draft: String, file path: String? = nil) -> String {
        var route = "/apps/\(app.lowercased())/drafts/\(encode(draft))"
        if let path {
            route += "/files/" + path.split(separator: "/").map { encode(String($0)) }.joined(separator: "/")
        }
        return route
    }

    private static func encode(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }

    struct Write: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a file into a draft (from FILE or stdin).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The draft name (1-40 of a-z, 0-9, '-').") var draft: String
        @Argument(help: "The file's path in the app, such as api/hello.js.") var path: String
        @Argument(help: "The local file to read, or '-' for stdin.") var file: String = "-"

        func run() throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw CLIError("cannot read \(file)")
                }
                data = contents
            }
            let bytes = try options.client().call(
                "PUT",
                DraftCommand.route(app, draft, file: path),
                body: [UInt8](data),
                contentType: "application/octet-stream"
            )
            if options.json { return Output.printRawJSON(bytes) }
            let body = try JSONDecoder().decode(DraftFileBody.self, from: Data(bytes))
            print("wrote \(body.path) (\(Output.size(body.size))) in draft \(body.draft) of \(body.app)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a file in a draft.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The draft name.") var draft: String
        @Argument(help: "The file's path in the app.") var path: String

        func run() throws {
            let route = DraftCommand.route(app, draft, file: path)
            guard let body = try options.client().fetch(DraftFileBody.self, "DELETE", route, json: options.json)
            else { return }
            print("deleted \(body.path) in draft \(body.draft) of \(body.app)")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a draft's changed paths against its base.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The draft name.") var draft: String

        func run() throws {
            let route = DraftCommand.route(app, draft)
            guard let body = try options.client().fetch(DraftBody.self, "GET", route, json: options.json) else {
                return
            }
            let base = body.base.map { "v\($0)" } ?? "none"
            let live = body.live.map { "v\($0)" } ?? "none"
            var header = "draft \(body.draft) of \(body.app): base \(base), live \(live)"
            if body.base != body.live { header += " (the app moved on: discard and write again, or commit --force)" }
            print(header)
            if body.changes.isEmpty { print("no changes") }
            for change in body.changes {
                let mark = ["added": "A", "modified": "M", "deleted": "D"][change.change] ?? "?"
                print("\(mark) \(change.path)" + (change.size.map { " (\(Output.size($0)))" } ?? ""))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an app's drafts.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String

        func run() throws {
            let route = "/apps/\(app.lowercased())/drafts"
            guard let list = try options.client().fetch(DraftList.self, "GET", route, json: options.json) else {
                return
            }
            Output.table(
                ["DRAFT", "BASE", "CHANGES", "UPDATED"],
                list.drafts.map { draft in
                    [
                        draft.draft, draft.base.map { "v\($0)" } ?? "-", "\(draft.changes.count)",
                        Output.date(draft.updatedAt),
                    ]
                }
            )
        }
    }

    struct Commit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Commit a draft as a new version (validated like a deploy) and make it live."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The draft name.") var draft: String
        @Option(name: [.short, .long], help: "A note stored with the version.") var message: String?
        @Option(help: "Refuse unless this version is still live.") var expectedParent: Int?
        @Flag(help: "Store the version without making it live.") var noDeploy = false
        @Flag(help: "Commit although the app moved on since the draft's base.") var force = false

        func run() throws {
            let request = DraftCommitRequest(
                message: message,
                expectedParent: expectedParent,
                deploy: !noDeploy,
                force: force ? true : nil
            )
            let route = DraftCommand.route(app, draft) + "/commit"
            let body = [UInt8](try JSONEncoder().encode(request))
            guard
                let result = try options.client().fetch(DeployBody.self, "POST", route, body: body, json: options.json)
            else { return }
            let state = result.live == false ? "not live; roll back to it to serve it" : "live"
            print("committed \(draft) as \(result.app) v\(result.version) (\(result.files) files, \(state))")
            print(result.url)
            for line in DeploySummaryLines.lines(result.summary, app: result.app, packed: []) { print(line) }
        }
    }

    struct Discard: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a draft and all its changes.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The draft name.") var draft: String

        func run() throws {
            _ = try options.client().call("DELETE", DraftCommand.route(app, draft))
            print("discarded draft \(draft) of \(app.lowercased())")
        }
    }
}

import ArgumentParser
import Foundation

/// `fazt assistant conversations|show|reply`: the owner's side of an assistant app.
struct AssistantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assistant",
        abstract: "See an assistant app's conversations and answer visitors who asked for a person.",
        discussion: """
            An assistant app is made with 'fazt create NAME --template assistant'. When a visitor asks \
            for a person (or the model hands over), the conversation becomes 'pending' and you get a \
            notification; 'fazt assistant reply' sends your answer into the visitor's open widget.
            """,
        subcommands: [Conversations.self, Show.self, Reply.self]
    )

    static func path(_ app: String, _ rest: String = "") -> String {
        "/apps/\(app.lowercased())/assistant/conversations" + rest
    }

    static func encoded(_ id: String) -> String {
        "/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id)
    }

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw CLIError("unexpected answer from the server")
        }
        return object
    }

    struct Conversations: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List conversations, most recently active first."
        )

        @OptionGroup var options: ClientOptions
        @Argument(help: "The assistant app.") var app: String
        @Option(help: "Only open, pending (waiting for you) or human (you answered) ones.") var status: String?
        @Option(help: "How many (1-1000).") var limit: Int = 50

        func validate() throws {
            try Validation.limit(limit)
            if let status, !["open", "pending", "human"].contains(status) {
                throw ValidationError("--status must be open, pending or human")
            }
        }

        func run() throws {
            var path = AssistantCommand.path(app, "?limit=\(limit)")
            if let status { path += "&status=\(status)" }
            let bytes = try options.client().call("GET", path)
            if options.json {
                Output.printRawJSON(bytes)
                return
            }
            let list = try AssistantCommand.object(bytes)["conversations"] as? [[String: Any]] ?? []
            if list.isEmpty {
                print("no conversations in \(app.lowercased())" + (status.map { " with status \($0)" } ?? ""))
                return
            }
            Output.table(
                ["ID", "STATUS", "VISITOR", "MESSAGES", "UPDATED", "LAST MESSAGE"],
                list.map { conversation in
                    let visitor = conversation["visitor"] as? [String: Any]
                    var who = (visitor?["name"] as? String) ?? (visitor?["id"] as? String) ?? "anonymous"
                    if visitor?["verified"] as? Bool == true { who += " ✓" }
                    let last = (conversation["lastMessage"] as? String ?? "").replacingOccurrences(of: "\n", with: " ")
                    return [
                        Output.cell(conversation["id"]), Output.cell(conversation["status"]), who,
                        Output.cell(conversation["messageCount"]),
                        Output.time((conversation["updatedAt"] as? NSNumber)?.int64Value ?? 0),
                        String(last.prefix(60)),
                    ]
                }
            )
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one conversation with its messages.")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The assistant app.") var app: String
        @Argument(help: "The conversation id.") var conversation: String

        func run() throws {
            let bytes = try options.client().call(
                "GET",
                AssistantCommand.path(app, AssistantCommand.encoded(conversation))
            )
            if options.json {
                Output.printRawJSON(bytes)
                return
            }
            let answer = try AssistantCommand.object(bytes)
            let head = answer["conversation"] as? [String: Any] ?? [:]
            print(
                "conversation \(Output.cell(head["id"]))  status \(Output.cell(head["status"]))  from \(Output.cell(head["origin"]))"
            )
            for message in answer["messages"] as? [[String: Any]] ?? [] {
                let at = Output.time((message["at"] as? NSNumber)?.int64Value ?? 0)
                print("\(at)  \(Output.cell(message["role"])): \(Output.cell(message["text"]))")
            }
        }
    }

    struct Reply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a visitor: the reply is stored and appears in their open widget.",
            discussion: "TEXT '-' reads the reply from standard input."
        )

        @OptionGroup var options: ClientOptions
        @Argument(help: "The assistant app.") var app: String
        @Argument(help: "The conversation id (see 'fazt assistant conversations').") var conversation: String
        @Argument(help: "The reply, or - to read it from standard input.") var text: String

        func run() throws {
            let reply =
                text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
            let body = try JSONSerialization.data(withJSONObject: ["text": reply])
            let path = AssistantCommand.path(app, AssistantCommand.encoded(conversation) + "/reply")
            let bytes = try options.client().call("POST", path, body: Array(body))
            if options.json {
                Output.printRawJSON(bytes)
                return
            }
            print(
                "replied in \(conversation) (\(app.lowercased())): the widget shows it as soon as the app has stored it"
            )
        }
    }
}

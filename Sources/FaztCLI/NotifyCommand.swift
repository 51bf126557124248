import ArgumentParser
import FaztAPI
import FaztNet
import Foundation

/// `fazt notifications [-f]`: the owner's inbox.
struct NotificationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Show the owner's notification inbox (everything apps sent with fazt.notify).",
        discussion: """
            With -f, keeps printing new notifications as they arrive. --json prints the API's answer \
            ({"notifications":[…]}) as one JSON document; with -f, one JSON object per line instead.
            """
    )

    @OptionGroup var options: ClientOptions
    @Option(help: "Only this app's notifications.") var app: String?
    @Option(help: "How many recent notifications to show first (1-1000).") var limit: Int = 20
    @Flag(name: .shortAndLong, help: "Follow: keep printing new notifications.") var follow = false

    func validate() throws { try Validation.limit(limit) }

    func run() throws {
        let client = try options.client()
        let filter = app.map {
            "&app=\($0.lowercased().addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)"
        }
        if options.json && !follow {
            Output.printRawJSON(try client.call("GET", "/notifications?limit=\(limit)" + (filter ?? "")))
            return
        }
        var after: Int64?
        repeat {
            var path = "/notifications?limit=\(limit)"
            if let after { path += "&after=\(after)" }
            if let filter { path += filter }
            let list = try client.decode(NotificationList.self, "GET", path)
            for item in list.notifications {
                if options.json {
                    try Output.printJSONLine(item)
                } else {
                    let mark = item.priority == "high" ? "!" : item.priority == "low" ? "." : " "
                    var line = "\(Output.time(item.createdAt)) \(mark) [\(item.app)] \(item.title)"
                    if let body = item.body, !body.isEmpty { line += " — \(body)" }
                    if let url = item.url { line += " <\(url)>" }
                    if !item.tags.isEmpty { line += " #" + item.tags.joined(separator: " #") }
                    print(line)
                }
            }
            fflush(nil)
            after = list.notifications.last?.id ?? after ?? 0
            if follow { usleep(1_000_000) }
        } while follow
    }
}

/// `fazt notify channel add|list|remove|test`.
struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Configure where notifications are delivered.",
        subcommands: [Channel.self]
    )

    struct Channel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add, list, remove and test notification channels.",
            subcommands: [Add.self, List.self, Remove.self, Test.self]
        )
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add (or replace) a channel; its settings are encrypted at rest and never shown again.",
            discussion: """
                Types and what they need:
                  webhook   --url URL                 JSON POST of the notification (as the inbox lists it)
                  ntfy      --url https://ntfy.sh/TOPIC
                  slack     --url INCOMING_WEBHOOK_URL
                  discord   --url WEBHOOK_URL
                  telegram  --bot-token BOT_TOKEN --chat CHAT_ID [--url API_BASE]
                  email     --url smtp://host:587 --to ADDRESS [--to …] [--from ADDRESS] [--user U --password P]
                """
        )

        @OptionGroup var options: ClientOptions
        @Argument(help: "The channel name.") var name: String
        @Option(help: "webhook, ntfy, slack, discord, telegram or email.") var type: String
        @Option(help: "The URL (see above).") var url: String?
        @Option(help: "Email recipient (repeat for more).") var to: [String] = []
        @Option(help: "Email sender.") var from: String?
        @Option(help: "SMTP user.") var user: String?
        @Option(help: "SMTP password.") var password: String?
        @Option(name: .customLong("bot-token"), help: "Telegram bot token.") var botToken: String?
        @Option(help: "Telegram chat id.") var chat: String?

        func run() throws {
            var channel = NotificationChannel(name: name, type: type)
            channel.url = url
            channel.to = to.isEmpty ? nil : to
            channel.from = from
            channel.user = user
            channel.password = botToken ?? password
            channel.chat = chat
            if let problem = channel.problem() { throw CLIError(problem) }
            let body = try JSONEncoder().encode(channel)
            _ = try options.client().call("POST", "/notify/channels", body: [UInt8](body))
            print("added \(type) channel \(name)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List channels (names and types only).")
        @OptionGroup var options: ClientOptions

        func run() throws {
            guard let list = try options.client().fetch(ChannelList.self, "GET", "/notify/channels", json: options.json)
            else { return }
            if list.channels.isEmpty {
                print("no channels: notifications only reach the inbox ('fazt notify channel add --help')")
                return
            }
            Output.table(
                ["NAME", "TYPE", "ADDED"],
                list.channels.map { [$0.name, $0.type, Output.time($0.createdAt)] }
            )
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a channel.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The channel name.") var name: String

        func run() throws {
            _ = try options.client().call("DELETE", "/notify/channels/\(name)")
            print("removed channel \(name)")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a test notification through a channel now.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The channel name.") var name: String

        func run() throws {
            _ = try options.client().call("POST", "/notify/channels/\(name)/test")
            print("delivered a test notification through \(name)")
        }
    }
}

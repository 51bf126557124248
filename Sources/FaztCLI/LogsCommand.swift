import ArgumentParser
import FaztAPI
import Foundation

/// `fazt logs APP [-f]`: an app's console output and errors.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show an app's log (console output and handler errors).",
        discussion: """
            With -f, keeps polling for new lines until interrupted. --json prints the API's answer as one \
            JSON document; with -f, one JSON object per line instead.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Flag(name: .shortAndLong, help: "Follow: keep printing new lines.") var follow = false
    @Option(help: "How many recent lines to show first (1-1000).") var limit: Int = 100

    func validate() throws { try Validation.limit(limit) }

    func run() throws {
        let client = try options.client()
        let name = app.lowercased()
        if options.json && !follow {
            Output.printRawJSON(try client.call("GET", "/apps/\(name)/logs?limit=\(limit)"))
            return
        }
        var after: Int64?
        repeat {
            var path = "/apps/\(name)/logs?limit=\(limit)"
            if let after { path += "&after=\(after)" }
            let list = try client.decode(LogList.self, "GET", path)
            for entry in list.logs {
                if options.json {
                    try Output.printJSONLine(entry)
                } else {
                    print(
                        "\(Output.time(entry.at)) \(entry.level.padding(toLength: 5, withPad: " ", startingAt: 0)) \(entry.message)"
                    )
                }
            }
            fflush(nil)  // all output streams: lines show up at once when piped
            after = list.logs.last?.id ?? after ?? 0
            if follow { usleep(1_000_000) }
        } while follow
    }
}

import ArgumentParser
import FaztAPI
import Foundation

/// `fazt publish APP CHANNEL JSON`: sends a message to an app's channel from outside JavaScript.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a message on an app's realtime channel.",
        discussion: """
            Every socket subscribed to the channel (/_ws, /_sse) receives {"type":"message","channel",\
            "data","offset","timestamp"}, and the message joins the channel's history for recovery. \
            DATA is any JSON value: fazt publish chat room-1 '{"text":"hi"}'. Use - to read it from stdin.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app.") var app: String
    @Argument(help: "The channel (printable ASCII, no '*').") var channel: String
    @Argument(help: "The message data as JSON, or - for stdin.") var data: String

    func run() throws {
        let client = try options.client()
        let body = data == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : Array(data.utf8)
        guard (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil else {
            throw CLIError("the data must be JSON (a string needs quotes: '\"hello\"')")
        }
        let path =
            "/apps/\(app.lowercased())/channels/"
            + (channel.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? channel)
            + "/messages"
        guard let published = try client.fetch(PublishedBody.self, "POST", path, body: body, json: options.json) else {
            return
        }
        print("published on \(published.app)/\(published.channel) at offset \(published.offset)")
    }
}

import ArgumentParser
import FaztAPI
import Foundation

/// `fazt login URL TOKEN`: checks the token against the server and saves both.
struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Save a server URL and owner token for the other commands."
    )

    @Argument(help: "The server, e.g. http://localhost:8080") var url: String
    @Argument(help: "An owner token (fzt_…).") var token: String

    func run() throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw CLIError("the URL must start with http:// or https://")
        }
        let server = url.hasSuffix("/") ? String(url.dropLast()) : url
        let apps = try APIClient(server: server, token: token).decode(AppList.self, "GET", "/apps")
        try CLIConfig(server: server, token: token).save()
        print("logged in to \(server) (\(apps.apps.count) apps); saved to \(CLIConfig.path)")
    }
}

import ArgumentParser
import FaztAPI

/// `fazt preview APP VERSION [--ttl SECONDS]`: prints a signed link to a version's preview.
struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Print a signed, expiring link to preview a version of an app.",
        discussion: """
            The link opens http://APP--vVERSION.<domain>/: that version's files and handlers (against \
            their own empty storage), live or not, without the owner's token, until it expires. \
            Any version listed by 'fazt versions APP' can be previewed, including drafts committed \
            with --no-deploy.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "The version number (see 'fazt versions APP').") var version: Int
    @Option(help: "How long the link works, in seconds (at most 30 days).") var ttl: Int = 3600

    func validate() throws {
        guard version > 0 else { throw ValidationError("the version must be a positive number") }
        guard ttl > 0, ttl <= 30 * 24 * 3600 else {
            throw ValidationError("--ttl must be a number of seconds from 1 to 2592000 (30 days)")
        }
    }

    func run() throws {
        let path = "/apps/\(app.lowercased())/versions/\(version)/preview?ttl=\(ttl)"
        guard let link = try options.client().fetch(PreviewLinkBody.self, "GET", path, json: options.json) else {
            return
        }
        print(link.url)
    }
}

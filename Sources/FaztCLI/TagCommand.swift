import ArgumentParser
import FaztAPI
import FaztVFS
import Foundation

/// `fazt tag APP [VERSION NAME]`, `fazt tag APP --delete NAME`: named versions.
struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Name a version so retention keeps it; list or delete tags.",
        discussion: """
            'fazt tag APP 7 launch' tags version 7 as 'launch' (moving the tag if it named another \
            version); 'fazt tag APP' lists the tags; 'fazt tag APP --delete launch' removes one. Tagged \
            versions are kept however many newer versions follow ('fazt serve --keep-versions'), and git \
            clients see each tag as refs/tags/NAME on the version's commit.
            """
    )

    @OptionGroup var options: ClientOptions
    @Argument(help: "The app name.") var app: String
    @Argument(help: "The version to tag (a number; see 'fazt versions APP').") var version: Int?
    @Argument(help: "The tag name.") var name: String?
    @Option(help: "Remove this tag.") var delete: String?

    func validate() throws {
        if delete != nil, version != nil {
            throw ValidationError("give either --delete NAME or VERSION NAME, not both")
        }
        if version != nil, name == nil { throw ValidationError("name the tag: fazt tag APP VERSION NAME") }
        if let version, version < 1 { throw ValidationError("'\(version)' is not a version number") }
        for tag in [name, delete].compactMap({ $0 }) {
            do { _ = try TagName.validate(tag) } catch { throw ValidationError(error.message) }
        }
    }

    func run() throws {
        let route = "/apps/\(app.lowercased())/tags"
        let client = try options.client()
        if let delete {
            _ = try client.call("DELETE", route + "/" + delete)
            if !options.json { print("deleted tag \(delete) of \(app.lowercased())") }
        } else if let version, let name {
            let body = [UInt8](try JSONEncoder().encode(TagRequest(version: version)))
            guard let tag = try client.fetch(TagBody.self, "PUT", route + "/" + name, body: body, json: options.json)
            else { return }
            print("tagged \(app.lowercased()) v\(tag.version) as \(tag.name) (\(tag.commit.prefix(12)))")
        } else {
            guard let list = try client.fetch(TagList.self, "GET", route, json: options.json) else { return }
            Output.table(
                ["TAG", "VERSION", "COMMIT"],
                list.tags.map { [$0.name, $0.version > 0 ? "v\($0.version)" : "-", String($0.commit.prefix(12))] }
            )
        }
    }
}

import FaztTestSupport
import Foundation
import Testing

/// `fazt tag` and `/apps/{name}/tags`: named versions survive retention and are git tags.
extension CLITests {
    @Test func taggedVersionsSurviveRetention() throws {
        let server = try ServerProcess(arguments: ["--keep-versions", "2"])
        let env = try Self.environment(server)
        func cli(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            try ServerProcess.runCLI(arguments, environment: env)
        }
        #expect(try server.deploy("site", try ArchiveFixtures.zip(PreviewTests.site("v1"))).status == 201)
        let tagged = try cli(["tag", "site", "1", "launch"])
        #expect(tagged.status == 0, "\(tagged.err)")
        #expect(tagged.out.contains("tagged site v1 as launch"), "\(tagged.out)")

        for title in ["v2", "v3", "v4"] {
            #expect(try server.deploy("site", try ArchiveFixtures.zip(PreviewTests.site(title))).status == 201)
        }
        // Retention keeps the newest two plus the tagged one.
        var versions = try server.api("GET", "/apps/site/versions").json["versions"] as? [[String: Any]] ?? []
        #expect(versions.map { $0["version"] as? Int } == [4, 3, 1])
        #expect(versions.last?["tags"] as? [String] == ["launch"])
        let rollback = try server.api("POST", "/apps/site/rollback", body: Array(#"{"version":1}"#.utf8))
        #expect(rollback.status == 200, "\(rollback.text)")
        #expect(try server.app("site", "/").text == "<h1>v1</h1>")

        let list = try server.api("GET", "/apps/site/tags")
        let tags = list.json["tags"] as? [[String: Any]] ?? []
        #expect(tags.count == 1 && tags.first?["version"] as? Int == 1, "\(list.text)")
        let commit = versions.last?["commit"] as? String
        #expect(commit != nil && tags.first?["commit"] as? String == commit)
        #expect(try cli(["tag", "site"]).out.contains("launch"))

        // Bad names and unknown versions are named, with the rule.
        let bad = try server.api("PUT", "/apps/site/tags/..x", body: Array(#"{"version":1}"#.utf8))
        #expect(bad.status == 400 && bad.text.contains("invalid tag name"), "\(bad.text)")
        let missing = try server.api("PUT", "/apps/site/tags/old", body: Array(#"{"version":2}"#.utf8))
        #expect(missing.status == 404 && missing.text.contains("has no version 2"), "\(missing.text)")

        // Untagged, the old version goes with the next deploy (it is no longer live).
        #expect(try server.deploy("site", try ArchiveFixtures.zip(PreviewTests.site("v5"))).status == 201)
        let deleted = try cli(["tag", "site", "--delete", "launch"])
        #expect(deleted.status == 0, "\(deleted.err)")
        #expect(try cli(["tag", "site", "--delete", "launch"]).status != 0)
        #expect(try server.deploy("site", try ArchiveFixtures.zip(PreviewTests.site("v6"))).status == 201)
        versions = try server.api("GET", "/apps/site/versions").json["versions"] as? [[String: Any]] ?? []
        #expect(versions.map { $0["version"] as? Int } == [6, 5])
    }
}

import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt serve --keep-versions N` through the real binary: old versions go, with their previews.
@Suite struct RetentionEndToEndTests {
    @Test func keepsTheNewestVersionsAndDropsPrunedPreviews() throws {
        let server = try ServerProcess(arguments: ["--keep-versions", "2"])
        let owner = try PreviewTests.owner(server)
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(PreviewTests.site("v1"))).status == 201)
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(PreviewTests.site("v2"))).status == 201)
        let written = try PreviewTests.preview(server, "blog--v1", "/api/kv?v=p", method: "POST", headers: owner)
        #expect(written.json["value"] as? String == "p", "\(written.text)")

        for title in ["v3", "v4", "v5"] {
            #expect(try server.deploy("blog", try ArchiveFixtures.zip(PreviewTests.site(title))).status == 201)
        }
        let versions = try server.api("GET", "/apps/blog/versions").json["versions"] as? [[String: Any]] ?? []
        #expect(versions.map { $0["version"] as? Int } == [5, 4])
        let info = try server.api("GET", "/apps/blog")
        #expect(info.json["version"] as? Int == 5 && info.json["versions"] as? Int == 2)
        #expect(try server.app("blog", "/").text == "<h1>v5</h1>")

        let rollback = try server.api("POST", "/apps/blog/rollback", body: Array(#"{"version":1}"#.utf8))
        #expect(rollback.status == 404, "\(rollback.text)")
        #expect(rollback.text.contains("has no version 1"), "\(rollback.text)")
        #expect(try PreviewTests.preview(server, "blog--v1", "/", headers: owner).status == 404)
        #expect(try PreviewTests.preview(server, "blog--v4", "/", headers: owner).text == "<h1>v4</h1>")

        // The pruned version's preview storage went with it.
        let store = try Store(path: server.dataPath)
        let left = try store.read { try $0.queryOne("SELECT COUNT(*) FROM kv WHERE app = 'blog--v1'") { $0.int(0) } }
        #expect(left == 0)
    }

    @Test func refusesAnOutOfRangeKeepVersions() throws {
        for value in ["0", "100001"] {
            let (status, _, errors) = try ServerProcess.runCLI(["serve", "--keep-versions", value], environment: [:])
            #expect(status != 0)
            #expect(errors.contains("--keep-versions must be between 1 and 100000"), "\(errors)")
        }
    }
}

import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// A deleted app re-created under the same name numbers its versions from 1 again: a warm worker
/// must not answer with the old app's cached code for `app@1`.
@Suite struct RecreatedAppTests {
    static func app(_ answer: String) throws -> [UInt8] {
        try ArchiveFixtures.zip([ArchiveFixtures.file("api/main.js", "module.exports = () => '\(answer)';")])
    }

    @Test func aRecreatedAppRunsItsOwnCode() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("again", try Self.app("old")).status == 201)
        #expect(try server.app("again", "/api").text == "old")
        #expect(try server.api("DELETE", "/apps/again").status == 200)
        let redeployed = try server.deploy("again", try Self.app("new"))
        #expect(redeployed.status == 201 && redeployed.json["version"] as? Int == 1, "\(redeployed.text)")
        #expect(try server.app("again", "/api").text == "new")
    }
}

/// An app whose name became reserved for previews (`<app>--v<N>`) after it was created keeps its
/// host: the name is an existing app, so it is served as before instead of as a preview.
@Suite struct ReservedNameLegacyTests {
    @Test func anAppNamedLikeAPreviewBeforeTheRuleKeepsItsHost() throws {
        let server = try ServerProcess()
        let site = [ArchiveFixtures.file("index.html", "legacy app")]
        #expect(try server.deploy("legacy", try ArchiveFixtures.zip(site)).status == 201)
        _ = server.stop()
        // Rename it as an older Fazt could have named it (every table with an `app` column).
        let connection = try Connection(path: server.dataPath, readOnly: false)
        try connection.execute("PRAGMA foreign_keys = OFF")
        let tables = try connection.query("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.string(0) }
        for table in tables {
            let columns = try connection.query("SELECT name FROM pragma_table_info(?)", [.text(table)]) { $0.string(0) }
            if columns.contains("app") {
                try connection.run("UPDATE \"\(table)\" SET app = 'old--v1' WHERE app = 'legacy'")
            }
        }
        try connection.run("UPDATE apps SET name = 'old--v1' WHERE name = 'legacy'")
        let restarted = try ServerProcess(reuse: server.directory)
        let page = try restarted.app("old--v1", "/")
        #expect(page.status == 200 && page.text == "legacy app", "\(page.status) \(page.text)")
        // A name that is no app is a preview host (owner only).
        #expect(try restarted.app("old--v2", "/").status == 401)
    }
}

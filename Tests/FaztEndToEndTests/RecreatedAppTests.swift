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

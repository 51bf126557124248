import FaztTestSupport
import Foundation
import Testing

/// A draft begun before someone else deployed: with `expectedParent` naming the live version, its
/// changes go on top of what is live (nothing of the other deploy is lost), unless both changed the
/// same path.
extension DraftTests {
    @Test func aDraftCommittedOnTopOfTheLiveVersionKeepsTheOtherDeploy() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("shop", try ArchiveFixtures.zip(Self.site)).status == 201)
        #expect(try Self.put(server, "/apps/shop/drafts/mine/files/new.txt", "mine").status == 201)
        #expect(try server.api("DELETE", "/apps/shop/drafts/mine/files/old.txt").status == 200)
        // Someone deploys version 2 meanwhile, changing another file.
        var theirs = Self.site
        theirs[0] = ArchiveFixtures.file("index.html", "<h1>theirs</h1>")
        #expect(try server.deploy("shop", try ArchiveFixtures.zip(theirs)).status == 201)

        let rebased = try Self.commit(server, "shop", "mine", #"{"expectedParent": 2, "message": "rebased"}"#)
        #expect(rebased.status == 201, "\(rebased.text)")
        #expect(rebased.json["version"] as? Int == 3)
        #expect(try server.app("shop", "/").text == "<h1>theirs</h1>", "version 2's change is kept")
        #expect(try server.app("shop", "/new.txt").text == "mine")
        #expect(try server.app("shop", "/old.txt").status == 404)
        let versions = try server.api("GET", "/apps/shop/versions").json["versions"] as? [[String: Any]] ?? []
        #expect(versions.first?["parent"] as? Int == 2, "built on the live version: \(versions.first ?? [:])")

        // Both changed index.html: a conflict naming it; force replaces the live version.
        #expect(try Self.put(server, "/apps/shop/drafts/clash/files/index.html", "<h1>clash</h1>").status == 200)
        theirs[0] = ArchiveFixtures.file("index.html", "<h1>v4</h1>")
        #expect(
            try server.deploy("shop", try ArchiveFixtures.zip(theirs + [ArchiveFixtures.file("new.txt", "x")])).status
                == 201
        )
        let clash = try Self.commit(server, "shop", "clash", #"{"expectedParent": 4}"#)
        #expect(clash.status == 409)
        let message = Self.error(clash).message ?? ""
        #expect(message.contains("version 4 changed index.html"), "\(message)")
        #expect(try server.app("shop", "/").text == "<h1>v4</h1>")
        let forced = try Self.commit(server, "shop", "clash", #"{"force": true}"#)
        #expect(forced.status == 201, "\(forced.text)")
        #expect(try server.app("shop", "/").text == "<h1>clash</h1>")
    }
}

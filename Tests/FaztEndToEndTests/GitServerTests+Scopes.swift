import FaztTestSupport
import Foundation
import Testing

/// Git over HTTP with scoped tokens, and pushes of several commits at once.
extension GitServerTests {
    /// A scoped token made through the control API.
    static func scopedToken(_ fixture: GitFixture, apps: [String], preset: String) throws -> String {
        let body = #"{"apps":[\#(apps.map { "\"\($0)\"" }.joined(separator: ","))],"preset":"\#(preset)"}"#
        let made = try fixture.server.api(
            "POST",
            "/tokens",
            headers: [("Content-Type", "application/json")],
            body: Array(body.utf8)
        )
        return try #require(made.json["token"] as? String, "\(made.text)")
    }

    static func url(_ fixture: GitFixture, _ app: String, token: String) -> String {
        "http://agent:\(token)@127.0.0.1:\(fixture.server.port)/_fazt/git/\(app).git"
    }

    @Test func scopedTokensFetchAndPushOnlyWhatTheirScopesAllow() throws {
        let fixture = try GitFixture()
        let work = try fixture.workTree("work")
        try fixture.commit(work, ["index.html": "<h1>one</h1>"])
        try GitCLI.check(["push", "--quiet", fixture.url("site"), "main"], in: work)

        // read: clone yes, push no (403 on the receive-pack advertisement).
        let read = try Self.scopedToken(fixture, apps: ["site"], preset: "read")
        let clone = try fixture.git(["clone", "--quiet", Self.url(fixture, "site", token: read), "readclone"])
        #expect(clone.status == 0, "\(clone.errors)")
        try fixture.commit(work, ["index.html": "<h1>two</h1>"])
        let refused = try fixture.git(["push", Self.url(fixture, "site", token: read), "main"], in: work)
        #expect(refused.status != 0 && refused.errors.contains("403"), "\(refused.errors)")

        // build: branches (previews) yes, main (live) no.
        let build = try Self.scopedToken(fixture, apps: ["site"], preset: "build")
        let toMain = try fixture.git(["push", Self.url(fixture, "site", token: build), "main"], in: work)
        #expect(toMain.status != 0, "\(toMain.errors)")
        #expect(
            toMain.errors.contains("insufficient scope: pushing refs/heads/main needs apps:deploy"),
            "\(toMain.errors)"
        )
        #expect(try fixture.served("site") == "<h1>one</h1>")
        let toBranch = try fixture.git(["push", Self.url(fixture, "site", token: build), "main:feature"], in: work)
        #expect(
            toBranch.status == 0 && toBranch.errors.contains("remote: fazt: preview of feature"),
            "\(toBranch.errors)"
        )

        // ship: main goes live; but not another app's repository, nor a new app outside its list.
        let ship = try Self.scopedToken(fixture, apps: ["site"], preset: "ship")
        let live = try fixture.git(["push", Self.url(fixture, "site", token: ship), "main"], in: work)
        #expect(live.status == 0, "\(live.errors)")
        #expect(try fixture.served("site") == "<h1>two</h1>")
        let elsewhere = try fixture.git(["ls-remote", Self.url(fixture, "other", token: ship)])
        #expect(elsewhere.status != 0 && elsewhere.errors.contains("403"), "\(elsewhere.errors)")
    }

    @Test func aPushOfSeveralCommitsKeepsTheirWholeHistory() throws {
        let fixture = try GitFixture()
        let work = try fixture.workTree("work")
        try fixture.commit(work, ["index.html": "<h1>a</h1>", "old.txt": "only in the first commit"], message: "a")
        try GitCLI.check(["rm", "--quiet", "old.txt"], in: work)
        try fixture.commit(work, ["index.html": "<h1>b</h1>"], message: "b")
        try GitCLI.check(["push", "--quiet", fixture.url("hist"), "main"], in: work)
        #expect(try fixture.served("hist") == "<h1>b</h1>")

        // A clone gets every commit with all its files, blobs the tip no longer uses included.
        let clone = try fixture.git(["clone", "--quiet", "--bare", fixture.url("hist"), "copy.git"])
        #expect(clone.status == 0, "\(clone.errors)")
        let bare = fixture.directory.path + "/copy.git"
        try GitCLI.check(["fsck", "--strict", "--full"], in: bare)
        #expect(try GitCLI.check(["show", "HEAD~1:old.txt"], in: bare).text == "only in the first commit")
    }
}

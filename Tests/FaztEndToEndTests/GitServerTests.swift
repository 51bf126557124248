import FaztTestSupport
import Foundation
import Testing

/// Git smart HTTP against the real binary and the real git: clone, fetch, shallow, auth, zip deploys as commits.
@Suite struct GitServerTests {
    @Test func pushDeploysThenCloneFetchAndShallowCloneWork() throws {
        let fixture = try GitFixture()
        let work = try fixture.workTree("work")
        try fixture.commit(
            work,
            ["index.html": "<h1>one</h1>", "api/hello.js": "module.exports = () => ({ n: 1 });\n"]
        )
        let first = try fixture.git(["push", fixture.url("site"), "main"], in: work)
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.errors.contains("remote: fazt: deployed site version 1"))
        #expect(try fixture.served("site") == "<h1>one</h1>")

        let clone = try fixture.git(["clone", "--quiet", fixture.url("site"), "clone"])
        #expect(clone.status == 0, "\(clone.errors)")
        try GitCLI.check(["fsck", "--strict"], in: fixture.directory.path + "/clone")

        // A change is live on the first request after `git push` exits.
        try fixture.commit(work, ["index.html": "<h1>two</h1>"])
        try GitCLI.check(["push", "--quiet", fixture.url("site"), "main"], in: work)
        #expect(try fixture.served("site") == "<h1>two</h1>")

        // Incremental fetch, with enough local commits that git gzips its request and negotiates.
        let cloned = fixture.directory.path + "/clone"
        try GitCLI.check(["checkout", "--quiet", "-b", "local"], in: cloned)
        for index in 0..<40 { try fixture.commit(cloned, ["local.txt": "\(index)"], message: "local \(index)") }
        let fetch = try fixture.git(["fetch", "--quiet", "origin"], in: cloned)
        #expect(fetch.status == 0, "\(fetch.errors)")
        let head = try GitCLI.check(["rev-parse", "origin/main"], in: cloned).text
        #expect(head == (try GitCLI.check(["rev-parse", "main"], in: work).text))
        try GitCLI.check(["fsck", "--strict"], in: cloned)

        // Shallow clone, then deepen to the full history.
        let shallow = try fixture.git(["clone", "--quiet", "--depth", "1", fixture.url("site"), "shallow"])
        #expect(shallow.status == 0, "\(shallow.errors)")
        let shallowPath = fixture.directory.path + "/shallow"
        #expect(try GitCLI.check(["rev-list", "--count", "HEAD"], in: shallowPath).text == "1\n")
        let unshallow = try fixture.git(["fetch", "--quiet", "--unshallow"], in: shallowPath)
        #expect(unshallow.status == 0, "\(unshallow.errors)")
        #expect(try GitCLI.check(["rev-list", "--count", "HEAD"], in: shallowPath).text == "2\n")
        try GitCLI.check(["fsck", "--strict"], in: shallowPath)
    }

    @Test func zipDeployIsACommitOnMainAndPullFastForwards() throws {
        let fixture = try GitFixture()
        let work = try fixture.workTree("work")
        try fixture.commit(work, ["index.html": "<h1>git</h1>"])
        try GitCLI.check(["push", "--quiet", "-u", fixture.url("zipped"), "main"], in: work)
        let archive = try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "<h1>zip</h1>")])
        #expect(try fixture.server.deploy("zipped", archive).status == 201)
        let pull = try fixture.git(["pull", "--ff-only", "--quiet", fixture.url("zipped"), "main"], in: work)
        #expect(pull.status == 0, "\(pull.errors)")
        let index = try String(contentsOfFile: work + "/index.html", encoding: .utf8)
        #expect(index == "<h1>zip</h1>")
        let log = try GitCLI.check(["log", "--format=%s", "-2"], in: work).text
        #expect(log.hasPrefix("Version 2\n"))
        // And a push on top of it goes live again: history stays one line.
        try fixture.commit(work, ["index.html": "<h1>git again</h1>"])
        try GitCLI.check(["push", "--quiet", fixture.url("zipped"), "main"], in: work)
        #expect(try fixture.served("zipped") == "<h1>git again</h1>")
    }

    @Test func pushedHistoryAndBranchesSurviveTheCollectorAtRestart() throws {
        let fixture = try GitFixture()
        let work = try fixture.workTree("work")
        try fixture.commit(work, ["index.html": "<h1>one</h1>"])
        try fixture.commit(work, ["index.html": "<h1>two</h1>", "extra.txt": "x"])
        try GitCLI.check(["push", "--quiet", fixture.url("kept"), "main"], in: work)
        try GitCLI.check(["checkout", "--quiet", "-b", "side"], in: work)
        try fixture.commit(work, ["side.txt": "only on a branch"])
        try GitCLI.check(["push", "--quiet", fixture.url("kept"), "side"], in: work)
        // A restart collects every unreferenced blob and unreachable object (ServeCommand).
        _ = fixture.server.stop()
        let restarted = try ServerProcess(reuse: fixture.server.directory)
        let url = "http://o:\(fixture.token)@127.0.0.1:\(restarted.port)/_fazt/git/kept.git"
        let clone = try fixture.git(["clone", "--quiet", "--no-single-branch", url, "again"])
        try #require(clone.status == 0, "\(clone.errors)")
        let again = fixture.directory.path + "/again"
        try GitCLI.check(["fsck", "--strict"], in: again)
        #expect(try GitCLI.check(["rev-list", "--count", "origin/side"], in: again).text == "3\n")
        #expect(try GitCLI.check(["show", "origin/side:side.txt"], in: again).text == "only on a branch")
    }

    @Test func gitNeedsTheOwnerToken() throws {
        let fixture = try GitFixture()
        let path = "/_fazt/git/site.git/info/refs?service=git-upload-pack"
        let anonymous = try TestHTTP.request(port: fixture.server.port, "GET", path)
        #expect(anonymous.status == 401)
        #expect(anonymous.header("WWW-Authenticate") == "Basic realm=\"fazt\"")
        let wrong = try TestHTTP.request(
            port: fixture.server.port,
            "GET",
            path,
            headers: [("Authorization", "Bearer fzt_wrong")]
        )
        #expect(wrong.status == 401)
        let bad = try fixture.git([
            "ls-remote", "http://x:fzt_wrong@127.0.0.1:\(fixture.server.port)/_fazt/git/site.git",
        ])
        #expect(bad.status != 0)
        // An agent can skip the 401 round trip with a bearer header.
        let bearer = try fixture.git([
            "-c", "http.extraHeader=Authorization: Bearer \(fixture.token)",
            "ls-remote", "http://127.0.0.1:\(fixture.server.port)/_fazt/git/site.git",
        ])
        #expect(bearer.status == 0, "\(bearer.errors)")
        // A malformed request gets git's ERR line (shown as "remote error: …"), not a server error.
        let garbage = try TestHTTP.request(
            port: fixture.server.port,
            "POST",
            "/_fazt/git/site.git/git-upload-pack",
            headers: [("Authorization", "Bearer \(fixture.token)")],
            body: Array("0010want nothex\n0000".utf8)
        )
        #expect(garbage.status == 200)
        #expect(garbage.text.contains("ERR malformed want line"), "\(garbage.text)")
    }
}

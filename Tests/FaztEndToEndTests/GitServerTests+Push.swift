import FaztGit
import FaztTestSupport
import Foundation
import Testing

/// Push-to-deploy refusals, branches, concurrency, isolation between apps and large pushes.
@Suite struct GitPushTests {
    @Test func brokenPushIsRejectedWithRemoteLinesAndLiveStays() throws {
        let fixture = try GitFixture()
        let work = try fixture.workTree("work")
        try fixture.commit(work, ["index.html": "<h1>good</h1>"])
        try GitCLI.check(["push", "--quiet", fixture.url("web"), "main"], in: work)
        try fixture.commit(
            work,
            ["index.html": "<h1>bad</h1>", "api/x.js": "module.exports = () => {\n  return (;\n};\n"]
        )
        let push = try fixture.git(["push", fixture.url("web"), "main"], in: work)
        #expect(push.status != 0)
        #expect(push.errors.contains("remote: fazt: api/x.js"))
        #expect(push.errors.contains("! [remote rejected] main -> main (deploy failed: api/x.js"))
        #expect(try fixture.served("web") == "<h1>good</h1>")
        // Paths git can carry but an app must not: a symlink.
        try GitCLI.check(["reset", "--quiet", "--hard", "HEAD~1"], in: work)
        try FileManager.default.createSymbolicLink(atPath: work + "/link", withDestinationPath: "/etc/passwd")
        try GitCLI.check(["add", "link"], in: work)
        try GitCLI.check(["commit", "--quiet", "-m", "link"], in: work)
        let link = try fixture.git(["push", fixture.url("web"), "main"], in: work)
        #expect(link.errors.contains("symbolic links are not supported"))
        #expect(try fixture.served("web") == "<h1>good</h1>")
    }

    @Test func nonFastForwardBranchesPreviewsAndDeletes() throws {
        let fixture = try GitFixture()
        let work = try fixture.workTree("work")
        try fixture.commit(work, ["index.html": "<h1>main</h1>"])
        try GitCLI.check(["push", "--quiet", fixture.url("web"), "main"], in: work)
        try GitCLI.check(["commit", "--quiet", "--amend", "-m", "rewritten"], in: work)
        let forced = try fixture.git(["push", "--force", fixture.url("web"), "main"], in: work)
        #expect(forced.errors.contains("! [remote rejected] main -> main (non-fast-forward)"))

        try GitCLI.check(["checkout", "--quiet", "-b", "feature"], in: work)
        try fixture.commit(work, ["index.html": "<h1>feature</h1>"])
        let branch = try fixture.git(["push", fixture.url("web"), "feature"], in: work)
        #expect(branch.status == 0, "\(branch.errors)")
        #expect(branch.errors.contains("remote: fazt: preview of feature (version 2): http://web--v2.localhost:"))
        #expect(try fixture.served("web") == "<h1>main</h1>")
        let deleted = try fixture.git(["push", fixture.url("web"), ":feature"], in: work)
        #expect(deleted.status == 0 && deleted.errors.contains("[deleted]"), "\(deleted.errors)")
        let main = try fixture.git(["push", fixture.url("web"), ":main"], in: work)
        #expect(main.errors.contains("deletion of the current branch prohibited"))
    }

    @Test func forceIsAllowedWhenTheOwnerSaysSo() throws {
        let fixture = try GitFixture(arguments: ["--git-allow-force"])
        let work = try fixture.workTree("work")
        try fixture.commit(work, ["index.html": "<h1>one</h1>"])
        try GitCLI.check(["push", "--quiet", fixture.url("web"), "main"], in: work)
        try "<h1>rewritten</h1>".write(toFile: work + "/index.html", atomically: true, encoding: .utf8)
        try GitCLI.check(["commit", "--quiet", "--all", "--amend", "-m", "rewritten"], in: work)
        let forced = try fixture.git(["push", "--force", fixture.url("web"), "main"], in: work)
        #expect(forced.status == 0, "\(forced.errors)")
        #expect(try fixture.served("web") == "<h1>rewritten</h1>")
    }

    @Test func concurrentPushesFromOneBaseLetExactlyOneWin() throws {
        let fixture = try GitFixture()
        let base = try fixture.workTree("base")
        try fixture.commit(base, ["index.html": "<h1>base</h1>"])
        try GitCLI.check(["push", "--quiet", fixture.url("web"), "main"], in: base)
        var trees: [String] = []
        for name in ["a", "b"] {
            try GitCLI.check(["clone", "--quiet", fixture.url("web"), name], in: fixture.directory.path)
            let tree = fixture.directory.path + "/" + name
            try fixture.commit(tree, ["index.html": "<h1>\(name)</h1>"])
            trees.append(tree)
        }
        let results = Results()
        let paths = trees
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            results.set(index, try? GitCLI.run(["push", "origin", "main"], in: paths[index]))
        }
        let outcomes = results.values
        #expect(outcomes.filter { $0?.status == 0 }.count == 1)
        let loser = outcomes.first { $0?.status != 0 } ?? nil
        let text = loser?.errors ?? ""
        #expect(text.contains("failed to update ref") || text.contains("fetch first"), "\(text)")
    }

    @Test func anAppCannotReachAnotherAppsObjects() throws {
        let fixture = try GitFixture()
        let secret = try fixture.workTree("secret")
        try fixture.commit(secret, ["index.html": "<h1>secret</h1>", "secret.txt": "the password is swordfish\n"])
        try GitCLI.check(["push", "--quiet", fixture.url("alpha"), "main"], in: secret)
        let commit = try GitCLI.check(["rev-parse", "HEAD"], in: secret).text.trimmingCharacters(in: .newlines)
        let blobHex = try GitCLI.check(["rev-parse", "HEAD:secret.txt"], in: secret).text
        let blob = try #require(GitObjectID(hex: blobHex.trimmingCharacters(in: .newlines)))

        let other = try fixture.workTree("other")
        try fixture.commit(other, ["index.html": "<h1>beta</h1>"])
        try GitCLI.check(["push", "--quiet", "-u", fixture.url("beta"), "main"], in: other)
        // Fetching alpha's commit by id through beta is refused: git itself refuses to ask, and the
        // server refuses a hand-made request that does.
        let fetch = try fixture.git(["fetch", fixture.url("beta"), commit], in: other)
        #expect(fetch.status != 0)
        let want = PktLine.text("want \(commit) side-band-64k ofs-delta") + PktLine.flush + PktLine.text("done")
        let upload = try TestHTTP.request(
            port: fixture.server.port,
            "POST",
            "/_fazt/git/beta.git/git-upload-pack",
            headers: [("Authorization", "Bearer \(fixture.token)")],
            body: want
        )
        #expect(upload.text.contains("ERR upload-pack: not our ref \(commit)"), "\(upload.text)")
        #expect(!upload.text.contains("PACK"))

        // A push to beta naming alpha's blob by id, without sending it, is missing objects.
        let tree = GitTree.build([.init(path: "index.html", blob: blob)])
        let head = try GitCLI.check(["rev-parse", "HEAD"], in: other).text.trimmingCharacters(in: .newlines)
        let parent = try #require(GitObjectID(hex: head))
        let stolen = GitObject.commit(tree: tree.root, parents: [parent], seconds: 1_700_000_000, message: "steal")
        var body = PktLine.data(Array("\(head) \(stolen.id.hex) refs/heads/main\0report-status\n".utf8))
        body += PktLine.flush + PackWriter.pack([stolen] + tree.trees)
        let response = try TestHTTP.request(
            port: fixture.server.port,
            "POST",
            "/_fazt/git/beta.git/git-receive-pack",
            headers: [("Authorization", "Bearer \(fixture.token)")],
            body: body
        )
        #expect(response.text.contains("ng refs/heads/main missing necessary objects"), "\(response.text)")
        #expect(try fixture.served("beta") == "<h1>beta</h1>")
    }

    @Test func aFiftyMegabytePushGoesThroughChunked() throws {
        let fixture = try GitFixture()
        let work = try fixture.workTree("work")
        var generator = SystemRandomNumberGenerator()
        for index in 0..<5 {
            let bytes = (0..<(10 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
            try Data(bytes).write(to: URL(fileURLWithPath: work + "/data\(index).bin"))
        }
        try fixture.commit(work, ["index.html": "<h1>big</h1>"])
        let push = try fixture.git(["push", fixture.url("big"), "main"], in: work)
        #expect(push.status == 0, "\(push.errors)")
        #expect(try fixture.server.app("big", "/data3.bin").body.count == 10 << 20)
    }
}

/// Collects the results of concurrent pushes.
private final class Results: @unchecked Sendable {
    // Safe: every access holds `lock`.
    private let lock = NSLock()
    private var stored: [GitCLI.Result?] = [nil, nil]

    func set(_ index: Int, _ value: GitCLI.Result?) {
        lock.lock()
        stored[index] = value
        lock.unlock()
    }

    var values: [GitCLI.Result?] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

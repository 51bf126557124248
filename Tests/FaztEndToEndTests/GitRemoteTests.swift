import FaztTestSupport
import Foundation
import Testing

/// `fazt git push|pull` against a bare repository served by the real `git http-backend` (Basic auth).
@Suite struct GitRemoteTests {
    static let token = "tok-3f9a-not-for-logs"

    /// A daemon with the app `site` (one version), a bare repository `site.git` behind the CGI
    /// server, and the app secret `GIT_TOKEN` holding the right token.
    struct Fixture {
        let server: ServerProcess
        let env: [String: String]
        let http: GitHTTPBackendServer
        let directory: TemporaryDirectory
        var bare: String { directory.path + "/site.git" }
        var url: String { http.url("site.git") }

        init(files: [(String, String)] = [("index.html", "<h1>one</h1>\n")], serve: [String] = []) throws {
            directory = try TemporaryDirectory()
            _ = try GitRemoteTests.git(
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                directory.path + "/site.git"
            )
            http = try GitHTTPBackendServer(root: directory.path, user: "x-access-token", token: GitRemoteTests.token)
            server = try ServerProcess(arguments: serve)
            env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
            try deploy(files)
            try setSecret(GitRemoteTests.token)
        }

        func deploy(_ files: [(String, String)]) throws {
            let archive = try ArchiveFixtures.zip(files.map { ArchiveFixtures.file($0.0, $0.1) })
            let response = try server.deploy("site", archive)
            #expect(response.status == 201, "\(response.text)")
        }

        func setSecret(_ value: String) throws {
            let body = try JSONSerialization.data(withJSONObject: ["value": value])
            let response = try server.api("PUT", "/apps/site/secrets/GIT_TOKEN", body: [UInt8](body))
            #expect(response.status == 200, "\(response.text)")
        }

        func cli(_ arguments: String...) throws -> (Int32, String, String) {
            try ServerProcess.runCLI(Array(arguments), environment: env)
        }

        /// The app's live commit, from the versions list.
        func liveCommit() throws -> String? {
            let response = try server.api("GET", "/apps/site/versions")
            let body = try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any]
            let versions = body?["versions"] as? [[String: Any]] ?? []
            return versions.first { $0["live"] as? Bool == true }?["commit"] as? String
        }

        /// Commits `files` on top of the bare repository's `main` (or as its first commit) with git itself.
        func commitToRemote(_ files: [(String, String)], message: String) throws -> String {
            let work = directory.path + "/work-\(UUID().uuidString.prefix(8))"
            _ = try GitRemoteTests.git("clone", "--quiet", bare, work)
            for (path, text) in files {
                let full = work + "/" + path
                try FileManager.default.createDirectory(
                    atPath: (full as NSString).deletingLastPathComponent,
                    withIntermediateDirectories: true
                )
                try text.write(toFile: full, atomically: true, encoding: .utf8)
            }
            _ = try GitRemoteTests.git("-C", work, "add", "-A")
            _ = try GitRemoteTests.git(
                "-C",
                work,
                "-c",
                "user.name=Tester",
                "-c",
                "user.email=t@example.com",
                "commit",
                "--quiet",
                "-m",
                message
            )
            _ = try GitRemoteTests.git("-C", work, "push", "--quiet", "origin", "HEAD:refs/heads/main")
            return try GitRemoteTests.git("-C", work, "rev-parse", "HEAD").trimmingCharacters(
                in: .whitespacesAndNewlines
            )
        }
    }

    @discardableResult
    static func git(_ arguments: String...) throws -> String { try BareGitRepository.git(arguments, input: nil) }

    @Test func pushOutThenCloneShowsFilesAndHistoryAndSecondPushIsIncremental() throws {
        let fixture = try Fixture()
        let (status, output, error) = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(status == 0, "\(output)\(error)")
        #expect(
            output.contains("To \(fixture.url)") && output.contains(" * [new branch]      main -> main"),
            "\(output)"
        )
        let head = try Self.git("--git-dir=\(fixture.bare)", "rev-parse", "main").trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        #expect(head == (try fixture.liveCommit()))
        #expect(try Self.git("--git-dir=\(fixture.bare)", "show", "main:index.html") == "<h1>one</h1>\n")
        _ = try Self.git("--git-dir=\(fixture.bare)", "fsck", "--strict")

        // A second version sends only what the remote lacks: one commit, one tree, one blob.
        try fixture.deploy([("index.html", "<h1>two</h1>\n"), ("about.html", "<p>about</p>\n")])
        let second = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN", "--json")
        #expect(second.0 == 0, "\(second.1)\(second.2)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(second.1.utf8)) as? [String: Any])
        #expect(body["ok"] as? Bool == true && body["unpack"] as? String == "ok", "\(second.1)")
        #expect(body["objects"] as? Int == 4, "commit, tree and two new blobs: \(second.1)")
        let refs = try #require(body["refs"] as? [[String: Any]])
        #expect(refs.first?["status"] as? String == "ok" && refs.first?["old"] as? String == head)

        let clone = fixture.directory.path + "/clone"
        try Self.git("clone", "--quiet", fixture.bare, clone)
        #expect(try String(contentsOfFile: clone + "/index.html", encoding: .utf8) == "<h1>two</h1>\n")
        #expect(try String(contentsOfFile: clone + "/about.html", encoding: .utf8) == "<p>about</p>\n")
        let log = try Self.git("-C", clone, "log", "--format=%s")
        #expect(log.split(separator: "\n").count == 2, "\(log)")
        _ = try Self.git("--git-dir=\(fixture.bare)", "fsck", "--strict")

        // Nothing new: nothing sent.
        let again = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(again.0 == 0 && again.1.contains("Everything up-to-date"), "\(again.1)\(again.2)")
        // A new branch whose commit the remote already has: an empty pack, and the branch exists.
        let branch = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN", "--branch", "release")
        #expect(branch.0 == 0 && branch.1.contains(" * [new branch]      main -> release"), "\(branch.1)\(branch.2)")
        #expect(
            try Self.git("--git-dir=\(fixture.bare)", "rev-parse", "release")
                == (try Self.git("--git-dir=\(fixture.bare)", "rev-parse", "main"))
        )
        #expect(!(output + error + second.1 + second.2 + again.1).contains(Self.token))
        #expect(!fixture.server.stderr.contains(Self.token))
    }

    @Test func hookRejectionReachesCLIAndAPIWithItsMessage() throws {
        let fixture = try Fixture()
        let hook = fixture.bare + "/hooks/pre-receive"
        try "#!/bin/sh\necho 'policy: pushes to this repository are frozen' >&2\nexit 1\n".write(
            toFile: hook,
            atomically: true,
            encoding: .utf8
        )
        chmod(hook, 0o755)
        let (status, output, error) = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(status != 0)
        #expect(output.contains("remote: policy: pushes to this repository are frozen"), "\(output)")
        #expect(output.contains(" ! [remote rejected] main -> main (pre-receive hook declined)"), "\(output)")
        #expect(error.contains("failed to push some refs"), "\(error)")

        let body = try JSONSerialization.data(withJSONObject: ["url": fixture.url, "secret": "GIT_TOKEN"])
        let response = try fixture.server.api("POST", "/apps/site/git/push", body: [UInt8](body))
        #expect(response.status == 200, "\(response.text)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
        #expect(answer["ok"] as? Bool == false)
        let refs = try #require(answer["refs"] as? [[String: Any]])
        #expect(refs.first?["status"] as? String == "remote-rejected")
        #expect(refs.first?["reason"] as? String == "pre-receive hook declined")
        #expect((answer["messages"] as? [String])?.contains("policy: pushes to this repository are frozen") == true)
        #expect((try? Self.git("--git-dir=\(fixture.bare)", "rev-parse", "--verify", "--quiet", "main")) == nil)
    }

    @Test func nonFastForwardIsRefusedUnlessForced() throws {
        let fixture = try Fixture()
        #expect(try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN").0 == 0)
        // Someone else moves the remote on; the app moves on separately.
        let theirs = try fixture.commitToRemote([("theirs.txt", "theirs\n")], message: "their change")
        try fixture.deploy([("index.html", "<h1>mine</h1>\n")])

        let (status, output, _) = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(status != 0)
        #expect(output.contains(" ! [rejected]        main -> main (non-fast-forward)"), "\(output)")
        let tip = {
            try Self.git("--git-dir=\(fixture.bare)", "rev-parse", "main").trimmingCharacters(
                in: .whitespacesAndNewlines
            )
        }
        #expect(try tip() == theirs)

        let forced = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN", "--force")
        #expect(forced.0 == 0, "\(forced.1)\(forced.2)")
        #expect(forced.1.contains("(forced update)"), "\(forced.1)")
        #expect(try tip() == (try fixture.liveCommit()))
        #expect(try Self.git("--git-dir=\(fixture.bare)", "show", "main:index.html") == "<h1>mine</h1>\n")
    }

    @Test func wrongTokenFailsWithinThreeAttempts() throws {
        let fixture = try Fixture()
        try fixture.setSecret("wrong-token")
        let (status, output, error) = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(status != 0)
        #expect(error.contains("authentication failed for \(fixture.url)") && error.contains("GIT_TOKEN"), "\(error)")
        let stats = try fixture.http.stats()
        #expect(stats.unauthorized >= 1 && stats.unauthorized <= 3, "\(stats)")
        #expect(stats.requests == stats.unauthorized, "nothing got past authentication: \(stats)")
        #expect(!(output + error).contains("wrong-token"))

        // No secret at all: the remote's 401 is explained.
        let anonymous = try fixture.cli("git", "pull", "site", fixture.url)
        #expect(anonymous.0 != 0 && anonymous.2.contains("needs credentials"), "\(anonymous.2)")
        // Unusable requests are 4xx naming the mistake.
        for (body, fragment) in [
            (["url": "ftp://example.com/x.git"], "not an http(s) URL"),
            (["url": "https://user:pw@example.com/x.git"], "carries credentials"),
            (["url": fixture.url, "secret": "NOPE"], "secret 'NOPE' is not set"),
            (["url": fixture.url, "branch": "bad..name", "secret": "GIT_TOKEN"], "not a valid branch name"),
        ] {
            let data = try JSONSerialization.data(withJSONObject: body)
            let response = try fixture.server.api("POST", "/apps/site/git/push", body: [UInt8](data))
            #expect(response.status == 400 && response.text.contains(fragment), "\(body): \(response.text)")
        }
    }

    @Test func pullDeploysTheRemoteCommitLiveAndPushBackIsUpToDate() throws {
        let fixture = try Fixture()
        let first = try fixture.commitToRemote(
            [("index.html", "<h1>from git</h1>\n"), ("css/site.css", "body{color:red}\n")],
            message: "first remote commit"
        )
        let (status, output, error) = try fixture.cli("git", "pull", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(status == 0, "\(output)\(error)")
        #expect(output.contains("-> version 2 of site, 2 files"), "\(output)")
        #expect(try fixture.server.app("site", "/").text == "<h1>from git</h1>\n")
        #expect(try fixture.server.app("site", "/css/site.css").text == "body{color:red}\n")
        #expect(try fixture.liveCommit() == first)

        // A second remote commit: only what the app lacks comes back, and it goes live too.
        let second = try fixture.commitToRemote([("index.html", "<h1>again</h1>\n")], message: "second")
        let again = try fixture.cli(
            "git",
            "pull",
            "site",
            fixture.url,
            "--secret",
            "GIT_TOKEN",
            "--ref",
            "main",
            "--json"
        )
        #expect(again.0 == 0, "\(again.1)\(again.2)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(again.1.utf8)) as? [String: Any])
        #expect(body["version"] as? Int == 3 && body["commit"] as? String == second, "\(again.1)")
        #expect((body["objects"] as? Int ?? 99) <= 3, "incremental: \(again.1)")
        #expect(try fixture.server.app("site", "/").text == "<h1>again</h1>\n")
        #expect(try fixture.liveCommit() == second)

        // The app's main is the remote's commit: pushing back has nothing to do, pulling again neither.
        let push = try fixture.cli("git", "push", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(push.0 == 0 && push.1.contains("Everything up-to-date"), "\(push.1)\(push.2)")
        let same = try fixture.cli("git", "pull", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(same.0 == 0 && same.1.contains("already live"), "\(same.1)\(same.2)")
        // Fazt's own git server serves the pulled history, complete.
        let token = try fixture.server.token()
        let mirror = fixture.directory.path + "/mirror"
        try Self.git(
            "clone",
            "--quiet",
            "http://owner:\(token)@127.0.0.1:\(fixture.server.port)/_fazt/git/site.git",
            mirror
        )
        #expect(
            try Self.git("-C", mirror, "rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines) == second
        )
        #expect(try Self.git("-C", mirror, "log", "--format=%s").contains("first remote commit"))
        try Self.git("-C", mirror, "fsck", "--strict")

        // ...and pushes it on, whole, to another repository.
        try Self.git("init", "--quiet", "--bare", fixture.directory.path + "/copy.git")
        let copy = try fixture.cli("git", "push", "site", fixture.http.url("copy.git"), "--secret", "GIT_TOKEN")
        #expect(copy.0 == 0 && copy.1.contains("[new branch]"), "\(copy.1)\(copy.2)")
        try Self.git("--git-dir=\(fixture.directory.path)/copy.git", "fsck", "--strict")
        #expect(
            try Self.git("--git-dir=\(fixture.directory.path)/copy.git", "log", "--format=%s", "main").contains(
                "first remote commit"
            )
        )

        // An annotated tag is peeled to its commit: the first commit goes live again.
        try Self.git(
            "--git-dir=\(fixture.bare)",
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@x",
            "tag",
            "-a",
            "v1",
            "-m",
            "one",
            first
        )
        let tagged = try fixture.cli("git", "pull", "site", fixture.url, "--secret", "GIT_TOKEN", "--ref", "v1")
        #expect(
            tagged.0 == 0 && tagged.1.contains("refs/tags/v1 (\(first.prefix(7))) -> version 4"),
            "\(tagged.1)\(tagged.2)"
        )
        #expect(try fixture.server.app("site", "/").text == "<h1>from git</h1>\n")
        #expect(try fixture.liveCommit() == first)
        let unknown = try fixture.cli("git", "pull", "site", fixture.url, "--secret", "GIT_TOKEN", "--ref", "nope")
        #expect(unknown.0 != 0 && unknown.2.contains("has no ref 'nope'"), "\(unknown.2)")
    }

    @Test func pullOfABrokenAppIsRefusedAndLiveStaysUntouched() throws {
        let fixture = try Fixture()
        let liveBefore = try fixture.liveCommit()
        _ = try fixture.commitToRemote(
            [("index.html", "<h1>broken</h1>\n"), ("api/hello.js", "exports.get = function( {\n")],
            message: "broken handler"
        )
        let (status, output, error) = try fixture.cli("git", "pull", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(status != 0, "\(output)")
        #expect(error.contains("api/hello.js"), "\(error)")
        #expect(try fixture.server.app("site", "/").text == "<h1>one</h1>\n")
        #expect(try fixture.liveCommit() == liveBefore)
        let versions = try fixture.server.api("GET", "/apps/site/versions").text
        #expect(!versions.contains(#""version":2"#), "\(versions)")
    }

    @Test func aPullLargerThanTheUploadLimitIsRefusedWithoutDeploying() throws {
        let fixture = try Fixture(serve: ["--max-upload-mb", "1"])
        // Three megabytes of hex noise (4 bits per byte after compression): the pack is about 1.5 MB.
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        let noise = (0..<(3 << 20)).map { _ in digits[Int.random(in: 0..<16, using: &generator)] }
        _ = try fixture.commitToRemote([("big.txt", String(decoding: noise, as: UTF8.self))], message: "big")
        let (status, _, error) = try fixture.cli("git", "pull", "site", fixture.url, "--secret", "GIT_TOKEN")
        #expect(status != 0 && error.contains("answered with more than 1048576 bytes"), "\(error)")
        #expect(error.contains("git_remote_failed"), "\(error)")
        #expect(try fixture.server.app("site", "/").text == "<h1>one</h1>\n")
    }
}

import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// Scoped tokens through the real binary: `fazt token create --app --preset --expires`, the scope
/// and app checks of the control API, owner-only apps, expiry and revocation.
@Suite struct ScopedTokenTests {
    /// Creates a token with the CLI against the server's database; returns (token, the MCP line).
    static func create(_ server: ServerProcess, _ arguments: [String]) throws -> (String, String) {
        let (status, out, err) = try ServerProcess.runCLI(
            ["token", "create", "--data", server.dataPath, "--url", "http://127.0.0.1:\(server.port)"] + arguments
        )
        #expect(status == 0, "\(err)")
        let line = err.split(separator: "\n").map(String.init).first { $0.hasPrefix("claude mcp add") }
        return (out.trimmingCharacters(in: .whitespacesAndNewlines), line ?? "")
    }

    static func error(_ response: TestResponse) -> String? {
        (response.json["error"] as? [String: Any])?["code"] as? String
    }

    @Test func buildTokenWorksOnItsAppAndNothingElse() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(PreviewTests.site("v1"))).status == 201)
        #expect(try server.deploy("shop", try ArchiveFixtures.zip(PreviewTests.site("s1"))).status == 201)
        let (token, line) = try Self.create(
            server,
            ["--name", "claude", "--app", "blog", "--preset", "build", "--expires", "7d"]
        )
        #expect(token.hasPrefix("fzt_") && token.utf8.count == 60, "\(token)")
        #expect(
            line
                == "claude mcp add --transport http fazt http://127.0.0.1:\(server.port)/_fazt/mcp --header \"Authorization: Bearer \(token)\""
        )
        func call(_ method: String, _ path: String, _ body: String? = nil) throws -> TestResponse {
            try server.api(
                method,
                path,
                token: token,
                headers: [("Content-Type", "application/json")],
                body: body.map { Array($0.utf8) }
            )
        }

        // Reading its app works; the app list shows only what it reaches.
        let apps = try call("GET", "/apps")
        #expect((apps.json["apps"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["blog"])
        #expect(try call("GET", "/apps/blog/versions").status == 200)
        #expect(try call("GET", "/apps/blog/versions/1/preview").status == 200)

        // Another app: 403 naming the app.
        let other = try call("GET", "/apps/shop/versions")
        #expect(other.status == 403 && Self.error(other) == "app_not_allowed", "\(other.text)")

        // Drafts and commits that do not go live are what `build` is for.
        let put = try server.api(
            "PUT",
            "/apps/blog/drafts/edit/files/index.html",
            token: token,
            headers: [("Content-Type", "text/plain")],
            body: Array("<h1>draft</h1>".utf8)
        )
        #expect(put.status == 200, "\(put.text)")
        let live = try call("POST", "/apps/blog/drafts/edit/commit", #"{"message":"x"}"#)
        #expect(live.status == 403 && Self.error(live) == "insufficient_scope", "\(live.text)")
        #expect(live.header("www-authenticate") == #"Bearer error="insufficient_scope", scope="apps:deploy""#)
        let staged = try call("POST", "/apps/blog/drafts/edit/commit", #"{"deploy":false}"#)
        #expect(staged.status == 201, "\(staged.text)")
        #expect(try server.app("blog", "/").text == "<h1>v1</h1>", "live untouched")

        // Deploys, rollbacks, tokens, secrets, app deletion: refused with the scope they need.
        let deploy = try server.api(
            "POST",
            "/apps/blog/deploy",
            token: token,
            headers: [("Content-Type", "application/zip")],
            body: try ArchiveFixtures.zip(PreviewTests.site("v9"))
        )
        #expect(deploy.status == 403 && Self.error(deploy) == "insufficient_scope", "\(deploy.text)")
        #expect(try call("POST", "/apps/blog/rollback", #"{"version":1}"#).status == 403)
        for (method, path) in [
            ("GET", "/tokens"), ("POST", "/tokens"), ("DELETE", "/apps/blog"), ("GET", "/apps/blog/secrets"),
            ("GET", "/ai/providers"), ("GET", "/notifications"),
        ] {
            let response = try call(method, path, method == "POST" ? "{}" : nil)
            #expect(response.status == 403 && Self.error(response) == "insufficient_scope", "\(method) \(path)")
        }
        #expect(try server.app("blog", "/").status == 200)
    }

    @Test func shipTokenDeploysAndCreatesOnlyItsApps() throws {
        let server = try ServerProcess()
        let (token, _) = try Self.create(server, ["--app", "blog", "--app", "docs", "--preset", "ship"])
        let site = try ArchiveFixtures.zip(PreviewTests.site("v1"))
        func deploy(_ app: String) throws -> TestResponse {
            try server.api(
                "POST",
                "/apps/\(app)/deploy",
                token: token,
                headers: [("Content-Type", "application/zip")],
                body: site
            )
        }
        #expect(try deploy("blog").status == 201)
        #expect(try deploy("docs").status == 201)
        let outside = try deploy("shop")
        #expect(outside.status == 403 && Self.error(outside) == "app_not_allowed", "\(outside.text)")

        // A build token may not create an app even in its list.
        let (build, _) = try Self.create(server, ["--app", "wiki", "--preset", "build"])
        let created = try server.api(
            "POST",
            "/apps/wiki/deploy",
            token: build,
            headers: [("Content-Type", "application/zip")],
            body: site
        )
        #expect(created.status == 403, "\(created.text)")
    }

    @Test func expiredAndRevokedTokensStopAtTheNextRequest() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(PreviewTests.site("v1"))).status == 201)
        let (token, _) = try Self.create(server, ["--name", "agent", "--app", "blog", "--preset", "read"])
        #expect(try server.api("GET", "/apps/blog", token: token).status == 200)

        let list = try server.api("GET", "/tokens")
        let entry = (list.json["tokens"] as? [[String: Any]])?.first { $0["name"] as? String == "agent" }
        #expect(entry?["scopes"] as? [String] == ["apps:read", "logs:read", "storage:read"])
        let id = try #require(entry?["id"] as? String)

        // Expiry: move it into the past in the database; the next request is refused.
        let store = try Store(path: server.dataPath)
        try store.writeBlocking { try $0.run("UPDATE tokens SET expires_at = 1 WHERE id = ?", [.text(id)]) }
        let expired = try server.api("GET", "/apps/blog", token: token)
        #expect(expired.status == 401 && expired.header("www-authenticate") == "Bearer", "\(expired.text)")
        try store.writeBlocking { try $0.run("UPDATE tokens SET expires_at = NULL WHERE id = ?", [.text(id)]) }
        #expect(try server.api("GET", "/apps/blog", token: token).status == 200)

        // Revocation through the API holds at once, for the API and for owner-only app pages.
        #expect(try server.api("DELETE", "/tokens/\(id)").status == 200)
        #expect(try server.api("GET", "/apps/blog", token: token).status == 401)
    }

    @Test func ownerOnlyAppsAdmitScopedTokensForThatAppOnly() throws {
        let server = try ServerProcess()
        let files = [
            ArchiveFixtures.file("fazt.json", #"{"access": "owner"}"#),
            ArchiveFixtures.file("index.html", "<h1>private</h1>"),
        ]
        #expect(try server.deploy("notes", try ArchiveFixtures.zip(files)).status == 201)
        #expect(try server.deploy("diary", try ArchiveFixtures.zip(files)).status == 201)
        let (token, _) = try Self.create(server, ["--name", "reader", "--app", "notes", "--preset", "read"])
        let bearer = [("Authorization", "Bearer \(token)")]
        #expect(try server.app("notes", "/", headers: bearer).text == "<h1>private</h1>")
        #expect(try server.app("diary", "/", headers: bearer).status != 200)

        // Revoked from the CLI (another process, straight in data.db): the very next page is refused.
        let list = try server.api("GET", "/tokens").json["tokens"] as? [[String: Any]] ?? []
        let id = try #require(list.first { $0["name"] as? String == "reader" }?["id"] as? String)
        let (status, _, err) = try ServerProcess.runCLI(["token", "revoke", "--data", server.dataPath, id])
        #expect(status == 0, "\(err)")
        #expect(try server.app("notes", "/", headers: bearer).status != 200)
        #expect(
            try server.app("diary", "/", headers: [("Authorization", "Bearer \(try server.token())")]).status == 200
        )
    }

    @Test func createRefusesBadGrantsWithTheFix() throws {
        let server = try ServerProcess()
        for (arguments, message) in [
            (["--preset", "build"], "needs apps"),
            (["--app", "blog", "--preset", "admin"], "unknown preset"),
            (["--app", "blog", "--scope", "apps:fly"], "unknown scope 'apps:fly'"),
            (["--app", "blog", "--preset", "read", "--expires", "91d"], "90 days"),
            (["--app", "blog", "--preset", "read", "--expires", "soon"], "not a duration"),
        ] {
            let (status, _, err) = try ServerProcess.runCLI(["token", "create", "--data", server.dataPath] + arguments)
            #expect(status != 0 && err.contains(message), "\(arguments): \(err)")
        }
        let bad = try server.api(
            "POST",
            "/tokens",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"apps":["blog"],"scopes":["apps:nope"]}"#.utf8)
        )
        #expect(bad.status == 400 && bad.text.contains("unknown scope"), "\(bad.text)")
        let made = try server.api(
            "POST",
            "/tokens",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"name":"ci","apps":["blog"],"preset":"ship","expiresIn":3600}"#.utf8)
        )
        #expect(
            made.status == 201 && (made.json["scopes"] as? [String])?.contains("apps:deploy") == true,
            "\(made.text)"
        )
    }
}

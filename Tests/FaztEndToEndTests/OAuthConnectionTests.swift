import FaztTestSupport
import Foundation
import Testing

/// OAuth connections against a mock authorization server on loopback: the browser-less code + PKCE
/// flow, single-use states, refresh on expiry and on a 401, one refresh for concurrent callers,
/// broken connections, grants and revocation.
@Suite struct OAuthConnectionTests {
    let server: ServerProcess
    let mock: MockOAuthProvider
    let env: [String: String]

    init() throws {
        server = try ServerProcess(arguments: ["--allow-private-egress"])
        mock = try MockOAuthProvider()
        env = try CLITests.environment(server)
        let (status, out, error) = try ServerProcess.runCLI(
            [
                "connect", "provider", "add", "mock", "--preset", "generic", "--client-id", mock.clientID,
                "--client-secret-stdin", "--authorize-url", mock.base + "/authorize", "--token-url",
                mock.base + "/token", "--revoke-url", mock.base + "/revoke", "--scopes", "read,write",
                "--api-host", "api.mock.test",
            ],
            environment: env,
            input: mock.clientSecret + "\n"
        )
        #expect(status == 0 && out.contains("added provider mock"), "\(out)\(error)")
    }

    /// Runs `fazt connect add`, follows the link on the mock and calls the callback as the browser
    /// would; returns the callback's path (with its query) and answer.
    @discardableResult
    func connect(_ name: String, provider: String = "mock") throws -> (path: String, answer: TestResponse) {
        let (status, link, error) = try ServerProcess.runCLI(
            ["connect", "add", name, "--provider", provider],
            environment: env
        )
        #expect(status == 0, "\(error)")
        let url = try #require(URL(string: link.trimmingCharacters(in: .whitespacesAndNewlines)))
        let query = try #require(url.query)
        #expect(query.contains("code_challenge_method=S256"))
        let authorized = try TestHTTP.request(port: mock.port, "GET", url.path + "?" + query, host: "127.0.0.1")
        #expect(authorized.status == 302)
        let location = try #require(authorized.header("Location").flatMap { URL(string: $0) })
        #expect(location.path == "/_fazt/oauth/callback" && location.port == server.port)
        let path = location.path + "?" + (location.query ?? "")
        return (path, try callback(path))
    }

    func callback(_ path: String) throws -> TestResponse {
        try TestHTTP.request(port: server.port, "GET", path, host: "localhost:\(server.port)")
    }

    /// `POST /connect/connections/{name}/token` as `app` (optionally after a 401 to `rejected`).
    func token(_ name: String, app: String, rejected: String? = nil) throws -> TestResponse {
        var body = #"{"app":"\#(app)""#
        if let rejected { body += #","rejected":"\#(rejected)""# }
        return try server.api("POST", "/connect/connections/\(name)/token", body: Array((body + "}").utf8))
    }

    func grant(_ app: String, _ name: String) throws {
        _ = try server.deploy(app, try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "hi")]))
        let (status, out, error) = try ServerProcess.runCLI(["grant", app, "connection:\(name)"], environment: env)
        #expect(status == 0 && out.contains("granted connection:\(name)"), "\(out)\(error)")
    }

    func connection(_ name: String) throws -> [String: Any] {
        try server.api("GET", "/connect/connections/\(name)").json
    }

    /// Runs `count` calls at once on their own threads.
    func concurrently(_ count: Int, _ body: @escaping @Sendable () throws -> TestResponse) -> [TestResponse] {
        let results = NSLock()
        nonisolated(unsafe) var answers: [TestResponse] = []
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            Thread {
                if let answer = try? body() {
                    results.lock()
                    answers.append(answer)
                    results.unlock()
                }
                group.leave()
            }.start()
        }
        group.wait()
        return answers
    }

    @Test func connectsWithCodeAndPKCEAndRefusesAReplayedState() throws {
        let (path, answer) = try connect("mock-work")
        #expect(try connection("mock-work")["scopes"] as? [String] == ["read", "write"])
        #expect(answer.status == 200 && answer.text.contains("Connected mock-work"), "\(answer.text)")
        #expect(mock.exchangeCalls == 1)
        let replay = try callback(path)
        #expect(replay.status == 400 && replay.text.contains("already used"), "\(replay.text)")
        #expect(mock.exchangeCalls == 1)
        let (status, out, _) = try ServerProcess.runCLI(["connect", "list"], environment: env)
        #expect(status == 0 && out.contains("NAME") && out.contains("LAST USED"), "\(out)")
        #expect(out.contains("mock-work") && out.contains(" ok ") && out.contains("read,write"), "\(out)")
        // No answer and no log line carries a token or the client secret.
        let listings = try server.api("GET", "/connect/connections").text + server.api("GET", "/connect/providers").text
        for secret in ["at-1", "rt-1", mock.clientSecret] {
            #expect(!listings.contains(secret) && !server.stderr.contains(secret))
        }
    }

    @Test func aProviderErrorLeavesTheConnectionPending() throws {
        let started = try server.api(
            "POST",
            "/connect/connections",
            body: Array(#"{"name":"denied","provider":"mock"}"#.utf8)
        ).json
        let link = try #require((started["authorizeURL"] as? String).flatMap { URLComponents(string: $0) })
        let state = try #require(link.queryItems?.first(where: { $0.name == "state" })?.value)
        let refused = try callback("/_fazt/oauth/callback?error=access_denied&state=\(state)")
        #expect(refused.status == 400 && refused.text.contains("access_denied"), "\(refused.text)")
        #expect(try connection("denied")["status"] as? String == "pending")
        #expect(try callback("/_fazt/oauth/callback?code=x").status == 400)
        let head = try TestHTTP.request(port: server.port, "HEAD", "/_fazt/oauth/callback?state=x", host: "localhost")
        #expect(head.status == 405)
    }

    @Test func refreshesAnExpiredTokenOnceForConcurrentCallers() throws {
        mock.setLifetime(seconds: 30)  // inside the refresh margin: already due
        try connect("mock-work")
        try grant("reader", "mock-work")
        mock.setLifetime(seconds: 3600)
        mock.setRefreshDelay(seconds: 0.5)
        let answers = concurrently(6) { try self.token("mock-work", app: "reader") }
        #expect(answers.count == 6 && answers.allSatisfy { $0.status == 200 }, "\(answers.map(\.text))")
        #expect(Set(answers.map { $0.json["fingerprint"] as? String ?? "" }).count == 1)
        #expect(mock.refreshCalls == 1)
        #expect(answers.first?.json["hosts"] as? [String] == ["api.mock.test"])
        // Fresh now: no more refreshes, and the use is recorded.
        #expect(try token("mock-work", app: "reader").status == 200)
        #expect(mock.refreshCalls == 1)
        #expect(try connection("mock-work")["lastUsedAt"] is Int)
    }

    @Test func refreshesOnceAfterA401() throws {
        try connect("mock-work")
        try grant("reader", "mock-work")
        let first = try token("mock-work", app: "reader").json["fingerprint"] as? String
        let rejected = try #require(first)
        mock.setRefreshDelay(seconds: 0.5)
        let answers = concurrently(4) { try self.token("mock-work", app: "reader", rejected: rejected) }
        let fingerprints = Set(answers.map { $0.json["fingerprint"] as? String ?? "" })
        #expect(answers.count == 4 && fingerprints.count == 1 && !fingerprints.contains(rejected))
        #expect(mock.refreshCalls == 1)
        // A late caller holding the old token gets the new one without another refresh.
        #expect(
            try token("mock-work", app: "reader", rejected: rejected).json["fingerprint"] as? String
                == fingerprints.first
        )
        #expect(mock.refreshCalls == 1)
    }

    @Test func aRevokedRefreshTokenBreaksTheConnectionAndTellsTheOwner() throws {
        mock.setLifetime(seconds: 30)
        try connect("mock-work")
        try grant("reader", "mock-work")
        mock.revokeRefreshTokens()
        mock.setRefreshDelay(seconds: 0.3)
        let all = concurrently(3) { try self.token("mock-work", app: "reader") }
        #expect(all.count == 3 && all.allSatisfy { $0.status == 403 })
        let refused = try #require(all.first)
        #expect(refused.status == 403 && refused.json["error"].map { "\($0)" }?.contains("NET_AUTH") == true)
        #expect(refused.text.contains("broken") && refused.text.contains("fazt connect add mock-work --provider mock"))
        let info = try connection("mock-work")
        #expect(info["status"] as? String == "broken")
        #expect((info["lastError"] as? String)?.contains("invalid_grant") == true)
        let inbox = try server.api("GET", "/notifications").text
        #expect(inbox.components(separatedBy: "OAuth connection mock-work is broken").count == 2, "\(inbox)")
        // Broken stays broken without asking the provider again, until the owner reconnects.
        #expect(try token("mock-work", app: "reader").status == 403)
        #expect(mock.refreshCalls == 1)
        mock.setLifetime(seconds: 3600)
        try connect("mock-work")
        #expect(try token("mock-work", app: "reader").status == 200)
    }

    @Test func appsNeedTheGrantAndRemovalRevokesAtTheProvider() throws {
        try connect("mock-work")
        _ = try server.deploy("other", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "hi")]))
        let refused = try token("mock-work", app: "other")
        #expect(
            refused.status == 403 && refused.text.contains("fazt grant other connection:mock-work"),
            "\(refused.text)"
        )
        let (badStatus, _, badError) = try ServerProcess.runCLI(
            ["grant", "other", "connection:no way"],
            environment: env
        )
        #expect(badStatus != 0 && badError.contains("connection:NAME"), "\(badError)")
        try grant("other", "mock-work")
        #expect(try token("mock-work", app: "other").status == 200)
        let (status, out, error) = try ServerProcess.runCLI(["connect", "remove", "mock-work"], environment: env)
        #expect(status == 0 && out.contains("revoked at the provider"), "\(out)\(error)")
        #expect(mock.revokedTokens == ["rt-1"])
        #expect(try server.api("GET", "/connect/connections/mock-work").status == 404)
        #expect(try token("mock-work", app: "other").status == 403)
    }

    @Test func discoversEndpointsFromAnIssuerAndStaysOwnerOnly() throws {
        let (status, out, error) = try ServerProcess.runCLI(
            [
                "connect", "provider", "add", "oidc", "--issuer", mock.base, "--client-id", mock.clientID,
                "--client-secret-stdin", "--json",
            ],
            environment: env,
            input: mock.clientSecret
        )
        #expect(status == 0, "\(error)")
        let info = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(info["preset"] as? String == "generic")
        #expect(info["tokenURL"] as? String == mock.base + "/token")
        #expect(info["revokeURL"] as? String == mock.base + "/revoke")
        #expect(info["hasClientSecret"] as? Bool == true && !out.contains(mock.clientSecret))
        let (listStatus, listing, _) = try ServerProcess.runCLI(["connect", "provider", "list"], environment: env)
        #expect(listStatus == 0 && listing.contains("oidc") && listing.contains("api.mock.test"), "\(listing)")
        // A scoped token reaches none of it.
        let created = try server.api(
            "POST",
            "/tokens",
            body: Array(#"{"name":"ci","apps":["blog"],"preset":"build"}"#.utf8)
        ).json
        let scoped = try #require(created["token"] as? String)
        #expect(try server.api("GET", "/connect/providers", token: scoped).status == 403)
        #expect(try server.api("GET", "/connect/connections", token: scoped).status == 403)
        let bad = try server.api(
            "POST",
            "/connect/connections",
            body: Array(#"{"name":"x","provider":"nosuch"}"#.utf8)
        )
        #expect(bad.status == 400 && bad.text.contains("fazt connect provider add nosuch"), "\(bad.text)")
    }

    @Test func aProviderOutageFailsTheCallWithoutBreakingTheConnection() throws {
        mock.setLifetime(seconds: 30)
        try connect("mock-work")
        try grant("reader", "mock-work")
        mock.setRefreshOutage(status: 503)
        let failed = try token("mock-work", app: "reader")
        #expect(failed.status == 502 && failed.text.contains("NET_ERROR"), "\(failed.text)")
        let info = try connection("mock-work")
        #expect(info["status"] as? String == "ok")
        #expect((info["lastError"] as? String)?.contains("503") == true)
        mock.setRefreshOutage(status: nil)
        #expect(try token("mock-work", app: "reader").status == 200)
        #expect(mock.refreshCalls == 2)
        #expect(!(try server.api("GET", "/notifications").text.contains("mock-work")))
    }
}

import FaztTestSupport
import Foundation
import Testing

/// `fetch(url, {connection})` from app JavaScript, through the daemon's connection tokens.
extension OAuthConnectionTests {
    static let caller = #"""
        module.exports = async (req) => {
          try {
            const response = await fetch(req.query.url, { connection: req.query.connection });
            return { answered: response.status, text: await response.text() };
          } catch (error) {
            return { error: error.message, code: error.code ?? null };
          }
        };
        """#

    @Test func appsFetchWithTheConnectionAndARejectedTokenIsRefreshedOnce() throws {
        let (added, _, addError) = try ServerProcess.runCLI(
            [
                "connect", "provider", "add", "mockapi", "--preset", "generic", "--client-id", mock.clientID,
                "--client-secret-stdin", "--authorize-url", mock.base + "/authorize", "--token-url",
                mock.base + "/token", "--api-host", "127.0.0.1",
            ],
            environment: env,
            input: mock.clientSecret
        )
        #expect(added == 0, "\(addError)")
        try connect("api-conn", provider: "mockapi")
        try connect("elsewhere")  // its tokens are only for api.mock.test
        _ = try server.deploy("caller", try ArchiveFixtures.zip([ArchiveFixtures.file("api/main.js", Self.caller)]))
        func call(_ connection: String) throws -> [String: Any] {
            let url = (mock.base + "/api/me").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return try server.app("caller", "/api?url=\(url)&connection=\(connection)").json
        }
        // Without the grant: NET_AUTH naming the fix, and nothing is sent.
        let refused = try call("api-conn")
        #expect(refused["code"] as? String == "NET_AUTH", "\(refused)")
        #expect((refused["error"] as? String)?.contains("fazt grant caller connection:api-conn") == true)
        #expect(mock.apiCalls.isEmpty)
        for name in ["api-conn", "elsewhere"] {
            let (status, _, error) = try ServerProcess.runCLI(
                ["grant", "caller", "connection:\(name)"],
                environment: env
            )
            #expect(status == 0, "\(error)")
        }
        let first = try call("api-conn")
        #expect(first["answered"] as? Int == 200, "\(first)")
        #expect(mock.apiCalls == ["Bearer at-1"])
        // A token for other hosts is never sent to this one.
        let wrongHost = try call("elsewhere")
        #expect(wrongHost["code"] as? String == "NET_AUTH", "\(wrongHost)")
        #expect(mock.apiCalls.count == 1)
        // The provider rejects the token: one refresh, the call sent again with the new token.
        mock.rejectAccessTokens()
        let retried = try call("api-conn")
        #expect(retried["answered"] as? Int == 200, "\(retried)")
        #expect(mock.refreshCalls == 1)
        #expect(mock.apiCalls.suffix(2) == ["Bearer at-1", "Bearer at-3"])
    }
}

/// `--public-url`: the links the server prints use the scheme and port people reach it at.
@Suite struct PublicURLTests {
    @Test func theRedirectURIAndAppLinksFollowThePublicURL() throws {
        let server = try ServerProcess(arguments: ["--public-url", "https://localhost:8443"])
        let mock = try MockOAuthProvider()
        let provider = #"""
            {"name":"mock","preset":"generic","clientID":"\#(mock.clientID)","clientSecret":"\#(mock.clientSecret)",
             "authorizeURL":"\#(mock.base)/authorize","tokenURL":"\#(mock.base)/token"}
            """#
        let added = try server.api("POST", "/connect/providers", body: Array(provider.utf8))
        #expect(added.status == 201 || added.status == 200, "\(added.text)")
        let started = try server.api(
            "POST",
            "/connect/connections",
            body: Array(#"{"name":"m","provider":"mock"}"#.utf8)
        )
        #expect(
            started.json["redirectURI"] as? String == "https://localhost:8443/_fazt/oauth/callback",
            "\(started.text)"
        )
        #expect(
            try server.deploy("site", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "hi")])).text
                .contains(
                    "https://site.localhost:8443/"
                )
        )
    }

    @Test func aPublicURLForAnotherHostIsRefusedAtStart() throws {
        let directory = try TemporaryDirectory()
        let (status, _, error) = try ServerProcess.runCLI([
            "serve", "--port", "0", "--data", directory.path + "/data.db", "--public-url", "https://other.example",
        ])
        #expect(status != 0 && error.contains("--domain"), "\(error)")
    }
}

import FaztAPI
import FaztStore
import FaztTestSupport
import Foundation
import Testing

@testable import FaztKernel

@Suite struct OAuthPKCETests {
    @Test func challengeMatchesRFC7636AppendixB() {
        // RFC 7636 Appendix B: the verifier is the base64url of these 32 octets.
        let octets: [UInt8] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214,
            191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ]
        let verifier = OAuthPKCE.base64URL(octets)
        #expect(verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(OAuthPKCE.challenge(of: verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test func verifiersAreFreshAndWithinTheAllowedLength() {
        let a = OAuthPKCE.verifier()
        let b = OAuthPKCE.verifier()
        #expect(a != b)
        #expect((43...128).contains(a.utf8.count))
        #expect(a.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func formEncodingRoundTrips() {
        let pairs = [("redirect_uri", "http://localhost:8080/_fazt/oauth/callback"), ("scope", "a b+c")]
        let text = FormEncoding.encode(pairs)
        #expect(text == "redirect_uri=http%3A%2F%2Flocalhost%3A8080%2F_fazt%2Foauth%2Fcallback&scope=a%20b%2Bc")
        #expect(FormEncoding.decode(text).map { "\($0.0)=\($0.1)" } == pairs.map { "\($0.0)=\($0.1)" })
        #expect(FormEncoding.decode("a=x+y&b").map(\.1) == ["x y", ""])
    }
}

@Suite struct OAuthTokenAnswerTests {
    @Test func readsJSONAnswers() {
        let answer = OAuthTokenAnswer(
            body: Array(#"{"access_token":"at","refresh_token":"rt","token_type":"bearer","expires_in":3599}"#.utf8)
        )
        #expect(answer.accessToken == "at")
        #expect(answer.refreshToken == "rt")
        #expect(answer.expiresIn == 3599)
        #expect(answer.authorizationScheme == "Bearer")
        #expect(answer.error == nil)
    }

    @Test func readsFormEncodedAnswersAndErrors() {
        let github = OAuthTokenAnswer(body: Array("access_token=gho_x&scope=repo%2Cuser&token_type=bearer".utf8))
        #expect(github.accessToken == "gho_x")
        #expect(github.scope == "repo,user")
        let refused = OAuthTokenAnswer(
            body: Array(#"{"error":"invalid_grant","error_description":"Token has been revoked."}"#.utf8)
        )
        #expect(refused.accessToken == nil)
        #expect(refused.errorText == "invalid_grant: Token has been revoked.")
        let slack = OAuthTokenAnswer(body: Array(#"{"ok":false,"error":"invalid_code"}"#.utf8))
        #expect(slack.error == "invalid_code")
    }
}

@Suite struct OAuthProviderTests {
    @Test func presetsKnowTheirEndpointsAndHosts() throws {
        let google = try #require(OAuthProvider.preset("google", name: "google", clientID: "id"))
        #expect(google.authorizeURL == "https://accounts.google.com/o/oauth2/v2/auth")
        #expect(google.tokenURL == "https://oauth2.googleapis.com/token")
        #expect(google.revokeStyle == .rfc7009)
        #expect(google.authParams.contains("access_type=offline"))
        #expect(google.hostAllowlist?.allows("www.googleapis.com") == true)
        #expect(google.hostAllowlist?.allows("evil.example") == false)
        let notion = try #require(OAuthProvider.preset("notion", name: "n", clientID: "id"))
        #expect(notion.clientAuth == .basic)
        let dropbox = try #require(OAuthProvider.preset("dropbox", name: "d", clientID: "id"))
        #expect(dropbox.revokeStyle == .bearer)
        #expect(OAuthProvider.preset("slack", name: "s", clientID: "id")?.scopeSeparator == ",")
        for kind in OAuthProvider.kinds where kind != "generic" {
            #expect(OAuthProvider.preset(kind, name: kind, clientID: "id")?.tokenURL.hasPrefix("https://") == true)
        }
    }

    @Test func genericProvidersNeedEndpoints() throws {
        let missing = #expect(throws: KernelError.self) {
            try OAuthProvider.make(from: OAuthProviderBody(preset: "generic", clientID: "id", name: "corp"))
        }
        #expect(missing?.message.contains("--authorize-url") == true)
        var body = OAuthProviderBody(preset: "generic", clientID: "id", name: "corp")
        body.authorizeURL = "https://id.corp.example/authorize"
        body.tokenURL = "https://id.corp.example/token"
        body.apiHosts = ["api.corp.example"]
        body.pkce = false
        let provider = try OAuthProvider.make(from: body)
        #expect(provider.kind == "generic")
        #expect(provider.pkce == false)
        #expect(provider.apiHosts == ["api.corp.example"])
        body.tokenURL = "ftp://nope"
        #expect(throws: KernelError.self) { try OAuthProvider.make(from: body) }
        #expect(throws: KernelError.self) {
            try OAuthProvider.make(from: OAuthProviderBody(preset: "myspace", clientID: "id"))
        }
    }
}

@Suite struct OAuthStoreTests {
    let directory: TemporaryDirectory
    let store: Store
    let oauth: OAuthStore

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        oauth = OAuthStore(store: store, box: try SecretBox(databasePath: store.path))
    }

    @Test func sealsClientSecretsAndTokens() throws {
        let provider = try #require(OAuthProvider.preset("github", name: "github", clientID: "cid"))
        try oauth.addProvider(provider, clientSecret: "client-s3cret")
        #expect(try oauth.provider(named: "github")?.clientSecret == "client-s3cret")
        #expect(try oauth.providers().map(\.hasClientSecret) == [true])
        _ = try oauth.start(name: "gh", provider: "github", scopes: ["repo"], redirectURI: "http://x/cb", now: 1000)
        try oauth.store(
            OAuthTokenAnswer(body: Array(#"{"access_token":"at-plain","refresh_token":"rt-plain"}"#.utf8)),
            connection: "gh",
            now: 2000
        )
        #expect(try oauth.tokens(of: "gh")?.accessToken == "at-plain")
        #expect(try oauth.connection(named: "gh")?.status == "ok")
        // Nothing readable in the database file's rows.
        let raw = try store.read { connection in
            try connection.query("SELECT access_token, refresh_token FROM oauth_connections") {
                String(decoding: $0.bytes(0) + $0.bytes(1), as: UTF8.self)
            }
                + connection.query("SELECT client_secret FROM oauth_providers") {
                    String(decoding: $0.bytes(0), as: UTF8.self)
                }
        }
        #expect(!raw.joined().contains("plain") && !raw.joined().contains("s3cret"))
    }

    @Test func statesWorkOnceAndExpire() throws {
        let provider = try #require(OAuthProvider.preset("google", name: "google", clientID: "cid"))
        try oauth.addProvider(provider, clientSecret: nil)
        let (state, verifier) = try oauth.start(
            name: "g",
            provider: "google",
            scopes: [],
            redirectURI: "http://x/cb",
            now: 1000
        )
        let pending = try #require(try oauth.take(state: state, now: 2000))
        #expect(pending.connection == "g")
        #expect(pending.verifier == verifier)
        #expect(!pending.expired)
        #expect(try oauth.take(state: state, now: 2000) == nil)
        let (late, _) = try oauth.start(
            name: "g",
            provider: "google",
            scopes: [],
            redirectURI: "http://x/cb",
            now: 1000
        )
        #expect(try oauth.take(state: late, now: 1000 + OAuthStore.stateLifetimeMs + 1)?.expired == true)
    }

    @Test func refusesBadNamesAndProvidersInUse() throws {
        #expect(throws: KernelError.self) { try OAuthStore.validate(name: "-bad", kind: "connection") }
        #expect(throws: KernelError.self) { try OAuthStore.validate(name: "a b", kind: "connection") }
        #expect(try OAuthStore.validate(name: "google-work", kind: "connection") == "google-work")
        let provider = try #require(OAuthProvider.preset("slack", name: "slack", clientID: "cid"))
        try oauth.addProvider(provider, clientSecret: "s")
        _ = try oauth.start(name: "team", provider: "slack", scopes: [], redirectURI: "http://x/cb", now: 1)
        #expect(throws: KernelError.self) { try oauth.removeProvider(name: "slack") }
        #expect(try oauth.removeConnection(name: "team"))
        #expect(try oauth.removeProvider(name: "slack"))
    }

    @Test func aReconnectKeepsTheWorkingConnectionUntilItSucceeds() throws {
        for kind in ["google", "github"] {
            try oauth.addProvider(
                try #require(OAuthProvider.preset(kind, name: kind, clientID: "cid")),
                clientSecret: "s"
            )
        }
        _ = try oauth.start(name: "acct", provider: "google", scopes: ["a"], redirectURI: "http://x/cb", now: 1)
        try oauth.store(
            OAuthTokenAnswer(body: Array(#"{"access_token":"old","refresh_token":"old-r"}"#.utf8)),
            connection: "acct",
            now: 2,
            authorized: ("google", ["a"])
        )
        let (state, _) = try oauth.start(
            name: "acct",
            provider: "github",
            scopes: ["b"],
            redirectURI: "http://x/cb",
            now: 3
        )
        #expect(try oauth.connection(named: "acct")?.provider == "google")
        #expect(try oauth.tokens(of: "acct")?.accessToken == "old")
        let pending = try #require(try oauth.take(state: state, now: 4))
        #expect(pending.provider == "github" && pending.scopes == ["b"])
        try oauth.store(
            OAuthTokenAnswer(body: Array(#"{"access_token":"new"}"#.utf8)),
            connection: "acct",
            now: 5,
            authorized: (pending.provider, pending.scopes)
        )
        let info = try #require(try oauth.connection(named: "acct"))
        #expect(info.provider == "github" && info.scopes == ["b"] && !info.hasRefreshToken)
    }
}

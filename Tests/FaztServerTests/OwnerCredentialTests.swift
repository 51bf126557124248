import FaztVFS
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import FaztServer

/// The pure parts of owner-only access: credentials, the verification cache, the sign-in form.
@Suite struct OwnerCredentialTests {
    @Test func forgetsVerifiedCredentialsAfterTheTTL() throws {
        let clock = Atomic<UInt64>(1_000)
        let cache = OwnerAccessCache(ttlMs: 10_000, capacity: 2) { clock.load(ordering: .relaxed) }
        let key = try #require(OwnerCredential.session("fzs_a").cacheKey(app: "notes"))
        #expect(!cache.contains(key))
        cache.insert(key)
        clock.store(10_999, ordering: .relaxed)
        #expect(cache.contains(key))
        clock.store(11_000, ordering: .relaxed)
        #expect(!cache.contains(key))
    }

    @Test func bindsSessionKeysToTheirAppAndNeverCachesTokens() {
        let session = OwnerCredential.session("fzs_a")
        #expect(session.cacheKey(app: "notes") != session.cacheKey(app: "other"))
        // Tokens are never cached: expiry and revocation (even from another process) hold at once.
        #expect(OwnerCredential.token("fzt_a").cacheKey(app: "notes") == nil)
    }

    @Test func readsTheTokenBeforeTheSessionCookie() {
        var headers = HTTPHeaders([("Cookie", "a=1; fazt_session=fzs_x ; b=2")])
        guard case .session("fzs_x")? = OwnerCredential(headers: headers) else {
            Issue.record("no session credential")
            return
        }
        headers.add(name: "Authorization", value: "Bearer fzt_t")
        guard case .token("fzt_t")? = OwnerCredential(headers: headers) else {
            Issue.record("no token credential")
            return
        }
        #expect(OwnerCredential(headers: HTTPHeaders([("Cookie", "fazt_session=")])) == nil)
    }

    @Test func hidesTheOwnersSecretsFromAppCode() {
        let head = HTTPRequestHead(
            version: .http1_1,
            method: .GET,
            uri: "/api/x",
            headers: HTTPHeaders([
                ("Authorization", "Bearer fzt_secret"), ("Cookie", "a=1; fazt_session=fzs_x"), ("Cookie", "b=2"),
            ])
        )
        let hidden = OwnerCredential.hidden(from: head)
        #expect(hidden.headers["Authorization"].isEmpty)
        #expect(hidden.headers["Cookie"] == ["a=1; b=2"])
        let basic = HTTPRequestHead(
            version: .http1_1,
            method: .GET,
            uri: "/",
            headers: HTTPHeaders([("Authorization", "Basic eA==")])
        )
        #expect(OwnerCredential.hidden(from: basic).headers["Authorization"] == ["Basic eA=="])
    }

    @Test func redirectsOnlyWithinTheAppsHost() {
        #expect(OwnerLoginPage.safeNext("/notes?id=1") == "/notes?id=1")
        #expect(OwnerLoginPage.safeNext("//evil.example/") == "/")
        #expect(OwnerLoginPage.safeNext("/\\evil.example") == "/")
        #expect(OwnerLoginPage.safeNext("https://evil.example/") == "/")
        #expect(OwnerLoginPage.safeNext("/a\r\nSet-Cookie: x=1") == "/")
        #expect(OwnerLoginPage.safeNext(nil) == "/")
    }

    @Test func escapesTheReturnPathInTheForm() {
        let page = OwnerLoginPage.html(next: #"/"><script>x</script>"#, failed: false)
        #expect(!page.contains("<script>") && page.contains("&quot;&gt;&lt;script&gt;"))
    }

    @Test func parsesTheSignInForm() {
        let fields = OwnerLoginPage.formFields(ByteBuffer(string: "token=fzt_a%2Bb&next=%2Fx+y&token=second"))
        #expect(fields == ["token": "fzt_a+b", "next": "/x y"])
    }
}

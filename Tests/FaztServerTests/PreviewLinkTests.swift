import NIOHTTP1
import Testing

@testable import FaztServer

/// Signed preview links: one version of one app, until the expiry the signature covers.
@Suite struct PreviewLinkTests {
    static let key = Array(repeating: UInt8(7), count: 32)

    @Test func opensOnlyItsAppAndVersionUntilItExpires() {
        let token = PreviewLink.token(app: "blog", version: 3, expiresAt: 2_000, key: Self.key)
        #expect(token.hasPrefix("2000.") && token.utf8.count == 5 + 64)
        #expect(PreviewLink.isValid(token, app: "blog", version: 3, now: 1_999, key: Self.key))
        #expect(!PreviewLink.isValid(token, app: "blog", version: 3, now: 2_000, key: Self.key), "expired")
        #expect(!PreviewLink.isValid(token, app: "blog", version: 4, now: 1_000, key: Self.key))
        #expect(!PreviewLink.isValid(token, app: "blo", version: 3, now: 1_000, key: Self.key))
        let otherKey = Array(repeating: UInt8(8), count: 32)
        #expect(!PreviewLink.isValid(token, app: "blog", version: 3, now: 1_000, key: otherKey))
        let stretched = "9000" + token.dropFirst(4)
        #expect(!PreviewLink.isValid(stretched, app: "blog", version: 3, now: 1_000, key: Self.key))
        for garbage in ["", "2000", "2000.", "x.00", "2000.zz", String(repeating: "1", count: 300)] {
            #expect(!PreviewLink.isValid(garbage, app: "blog", version: 3, now: 1_000, key: Self.key), "\(garbage)")
        }
    }

    @Test func readsItsCookieAndScopesItToTheHost() {
        var headers = HTTPHeaders()
        headers.add(name: "Cookie", value: "a=1; fazt_preview=2000.ab; fazt_session=fzs_x")
        #expect(PreviewLink.cookie(in: headers) == "2000.ab")
        let cookie = PreviewLink.setCookie("2000.ab", now: 1_400)
        #expect(cookie == "fazt_preview=2000.ab; HttpOnly; SameSite=Lax; Path=/; Max-Age=600")
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api/x")
        head.headers = headers
        #expect(OwnerCredential.hidden(from: head).headers["Cookie"] == ["a=1"], "handlers never see either cookie")
    }
}

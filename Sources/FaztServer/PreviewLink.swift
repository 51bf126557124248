import FaztGit
import FaztKernel
import FaztVFS
import NIOHTTP1

/// Signed, expiring links to a version preview (`http://<app>--v<N>.<domain>/?preview=<token>`).
///
/// The token is `<expiry>.<signature>`: the expiry in epoch seconds and the hex HMAC-SHA256, under
/// a key derived from the server's secret key, of app, version and expiry. It opens that one
/// version of that one app until it expires, and nothing else; no table holds it, so links cannot
/// be listed or revoked one by one (rotating `fazt.key` revokes them all).
enum PreviewLink {
    /// The query parameter that carries a token.
    static let queryName = "preview"
    /// The cookie a valid link sets on the preview host, so the page's assets load too.
    static let cookieName = "fazt_preview"
    /// Lifetime of a link when the request names none, in seconds (one hour).
    static let defaultTTL = 3600
    /// The longest lifetime a link may have, in seconds (30 days).
    static let maxTTL = 30 * 24 * 3600

    /// The token for `app`'s version `version`, valid until `expiresAt` (epoch seconds).
    static func token(app: String, version: Int, expiresAt: Int64, key: [UInt8]) -> String {
        "\(expiresAt)." + Hex.encode(signature(app: app, version: version, expiresAt: expiresAt, key: key))
    }

    /// Whether `token` opens `app`'s version `version` at `now` (epoch seconds).
    static func isValid(_ token: String, app: String, version: Int, now: Int64, key: [UInt8]) -> Bool {
        guard token.utf8.count < 200, let dot = token.firstIndex(of: "."),
            let expiresAt = Int64(token[..<dot]), expiresAt > now,
            let presented = SecretBox.bytes(hex: String(token[token.index(after: dot)...]))
        else { return false }
        let expected = signature(app: app, version: version, expiresAt: expiresAt, key: key)
        return SecretBox.constantTimeEqual(presented, expected)
    }

    /// The expiry (epoch seconds) a token names, valid or not.
    static func expiry(of token: String) -> Int64? {
        token.split(separator: ".", maxSplits: 1).first.flatMap { Int64($0) }
    }

    /// The token of the `fazt_preview` cookie, if any `Cookie` header carries one.
    static func cookie(in headers: HTTPHeaders) -> String? {
        OwnerCredential.cookie(named: cookieName, in: headers)
    }

    /// `Set-Cookie` for a valid link's token: this host only (no `Domain`), until the link expires.
    static func setCookie(_ token: String, now: Int64) -> String {
        let maxAge = max(0, (expiry(of: token) ?? now) - now)
        return "\(cookieName)=\(token); HttpOnly; SameSite=Lax; Path=/; Max-Age=\(maxAge)"
    }

    private static func signature(app: String, version: Int, expiresAt: Int64, key: [UInt8]) -> [UInt8] {
        SecretBox.hmacSHA256(key: key, message: Array("fazt-preview\u{0}\(app)\u{0}\(version)\u{0}\(expiresAt)".utf8))
    }
}

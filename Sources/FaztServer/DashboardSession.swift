import FaztAPI
import FaztKernel
import NIOHTTP1

/// The owner's browser session on the dashboard: its cookie and the CSRF check of writes.
///
/// The cookie is host-only (no `Domain`), `HttpOnly` and `SameSite=Strict`, so app hosts (every
/// `<app>.<domain>`) never receive it and app JavaScript never reads it. Where the browser treats
/// the origin as secure (HTTPS, or loopback names) it is `__Host-fazt_owner` with `Secure`; on a
/// plain-HTTP domain browsers refuse `Secure` cookies, so it is `fazt_owner` there.
enum DashboardSession {
    static let secureCookieName = "__Host-fazt_owner"
    static let plainCookieName = "fazt_owner"
    /// The header every cookie-authenticated write must carry (the session's CSRF token).
    static let csrfHeader = "X-Fazt-CSRF"

    /// The session id from either cookie name, if any.
    static func id(in headers: HTTPHeaders) -> String? {
        OwnerCredential.cookie(named: secureCookieName, in: headers)
            ?? OwnerCredential.cookie(named: plainCookieName, in: headers)
    }

    /// Whether browsers treat this origin as secure (so a `Secure` cookie is kept).
    static func isSecureOrigin(host: String?, publicScheme: String?) -> Bool {
        if publicScheme == "https" { return true }
        let name = (host ?? "").split(separator: ":").first.map { $0.lowercased() } ?? ""
        return name == "localhost" || name.hasSuffix(".localhost") || name == "127.0.0.1"
            || host?.hasPrefix("[::1]") == true
    }

    /// `Set-Cookie` for a new session `id` (30 days), or clearing it when `id` is nil.
    static func setCookie(_ id: String?, secure: Bool) -> [String] {
        let name = secure ? secureCookieName : plainCookieName
        let attributes = "Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
        guard let id else {
            // Clear both names: the origin's scheme may have changed since.
            return [
                "\(secureCookieName)=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure",
                "\(plainCookieName)=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict",
            ]
        }
        return ["\(name)=\(id); Max-Age=\(OwnerSessions.lifetimeMs / 1000); \(attributes)"]
    }

    /// Throws 403 unless a write made with session `id` carries its CSRF token.
    static func checkCSRF(_ headers: HTTPHeaders, session id: String) throws {
        let sent = headers.first(name: csrfHeader) ?? ""
        guard SecretBox.constantTimeEqual(Array(sent.utf8), Array(OwnerSessions.csrfToken(for: id).utf8)) else {
            throw APIError(
                status: .forbidden,
                code: "csrf",
                message:
                    "a write signed in with the dashboard cookie needs the \(csrfHeader) header (from GET /_fazt/session); scripts should send 'Authorization: Bearer <token>' instead"
            )
        }
    }

    /// What authorizes an upload (a deploy body spooled to disk).
    ///
    /// The bearer token, else the dashboard session's id once the request carries its CSRF token
    /// (throws 403 without it); nil when neither is there. Session ids (`fzs_`) and tokens (`fzt_`)
    /// never look alike.
    static func uploadCredential(_ headers: HTTPHeaders) throws -> String? {
        if let token = APIRequest.bearerToken(in: headers) { return token }
        guard let session = id(in: headers) else { return nil }
        try checkCSRF(headers, session: session)
        return session
    }

    /// The listing entry that stands for a dashboard session in the control API (an owner: the
    /// owner signed in with the password or an owner token).
    static func owner(_ id: String) -> TokenInfo {
        TokenInfo(id: "session:" + OwnerSessions.listedID(of: id), name: "dashboard session", createdAt: 0)
    }
}

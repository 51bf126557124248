import FaztKernel
import FaztVFS
import NIOHTTP1

/// What a request to an owner-only app presents as proof that it comes from the owner.
enum OwnerCredential: Sendable {
    /// `Authorization: Bearer <owner token>`.
    case token(String)
    /// The `fazt_session` cookie set by `POST /_fazt/session`.
    case session(String)

    /// The session cookie's name.
    static let cookieName = "fazt_session"

    /// The credential in `headers`: a bearer token first, else the session cookie; nil when neither.
    init?(headers: HTTPHeaders) {
        if let token = APIRequest.bearerToken(in: headers) {
            self = .token(token)
        } else if let id = Self.sessionCookie(in: headers) {
            self = .session(id)
        } else {
            return nil
        }
    }

    /// The key under which a successful check is cached (it counts only for its app); nil for
    /// tokens, which are checked on every request so that expiry and revocation (also from the CLI,
    /// another process) hold from the next request on.
    func cacheKey(app: String) -> ContentHash? {
        switch self {
        case .token: nil
        case .session(let id): ContentHash(of: Array("session\u{0}\(app)\u{0}\(id)".utf8))
        }
    }

    /// Checks the credential against the database (blocking: call it off the event loop).
    func verify(app: String, tokens: Tokens, sessions: OwnerSessions) throws -> Bool {
        switch self {
        // Owner tokens open every app; a scoped token only the apps it reaches with apps:read.
        case .token(let token): try tokens.verify(token)?.allows(.appsRead, app: app) ?? false
        case .session(let id): try sessions.isValid(id, app: app)
        }
    }

    /// The value of the `fazt_session` cookie, if any `Cookie` header carries one.
    static func sessionCookie(in headers: HTTPHeaders) -> String? {
        cookie(named: cookieName, in: headers)
    }

    /// The value of cookie `name`, if any `Cookie` header carries one (non-empty).
    static func cookie(named name: String, in headers: HTTPHeaders) -> String? {
        for header in headers["Cookie"] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingSpaces == name else { continue }
                let value = parts[1].trimmingSpaces
                if !value.isEmpty { return String(value) }
            }
        }
        return nil
    }

    /// `head` without the owner's credentials, as app code sees it: no bearer owner token, no
    /// session or preview-link cookie (app JavaScript never holds a secret that opens the control
    /// API or a preview).
    static func hidden(from head: HTTPRequestHead) -> HTTPRequestHead {
        var copy = head
        if let token = APIRequest.bearerToken(in: head.headers), token.hasPrefix("fzt_") {
            copy.headers.remove(name: "Authorization")
        }
        let cookies = head.headers["Cookie"]
        let hiddenNames: Set<Substring> = [Substring(cookieName), Substring(PreviewLink.cookieName)]
        guard cookies.contains(where: { $0.contains(cookieName) || $0.contains(PreviewLink.cookieName) }) else {
            return copy
        }
        copy.headers.remove(name: "Cookie")
        var kept: [String] = []
        for header in cookies {
            for pair in header.split(separator: ";") {
                let name = pair.split(separator: "=", maxSplits: 1).first?.trimmingSpaces
                if let name, hiddenNames.contains(name) { continue }
                kept.append(String(pair.trimmingSpaces))
            }
        }
        if !kept.isEmpty { copy.headers.add(name: "Cookie", value: kept.joined(separator: "; ")) }
        return copy
    }
}

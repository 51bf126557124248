import FaztVFS
import Foundation
import Glibc

/// A small OAuth 2.0 authorization server on 127.0.0.1 for tests.
///
/// `GET /authorize` redirects (302) to the `redirect_uri` with a code and the `state`, remembering
/// the PKCE challenge; `POST /token` trades a code (checking the client, the redirect URI and the
/// `code_verifier` against the challenge) or a refresh token; `POST /revoke` records a revocation;
/// `GET /.well-known/openid-configuration` names these endpoints (OIDC discovery); `GET /api/me` is
/// an API that accepts the access tokens it issued (401 for others).
/// Each connection is served on its own thread, so concurrent clients really are concurrent.
public final class MockOAuthProvider: @unchecked Sendable {
    // Safe: every mutable field is only touched under `lock`.
    public let port: Int
    public let clientID = "mock-client"
    public let clientSecret = "mock-client-secret"
    private let socket: Int32
    private let lock = NSLock()
    private var codes: [String: (challenge: String?, redirectURI: String)] = [:]
    private var refreshTokens: Set<String> = []
    private var accessTokens: Set<String> = []
    private var apiAuthorizations: [String] = []
    private var issued = 0
    private var refreshes = 0
    private var exchanges = 0
    private var revoked: [String] = []
    private var lifetime = 3600
    private var delay = 0.0
    private var outage: Int?

    public init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 64) == 0 else { throw TestError("cannot listen on loopback: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { shutdown(socket, Int32(SHUT_RDWR)) }

    public var base: String { "http://127.0.0.1:\(port)" }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Refresh requests received so far.
    public var refreshCalls: Int { locked { refreshes } }
    /// Code exchanges that succeeded.
    public var exchangeCalls: Int { locked { exchanges } }
    /// Tokens posted to `/revoke`.
    public var revokedTokens: [String] { locked { revoked } }
    /// The newest access token issued (`at-N`).
    public var lastAccessToken: String { locked { "at-\(issued)" } }

    /// `expires_in` of the tokens issued from now on.
    public func setLifetime(seconds: Int) { locked { lifetime = seconds } }
    /// Makes refresh answers take this long (to let concurrent callers pile up).
    public func setRefreshDelay(seconds: Double) { locked { delay = seconds } }
    /// Forgets every refresh token, as a provider does when the user revokes access.
    public func revokeRefreshTokens() { locked { refreshTokens.removeAll() } }
    /// Makes refresh requests fail with `status` (a provider outage), or work again with nil.
    public func setRefreshOutage(status: Int?) { locked { outage = status } }
    /// Makes `GET /api/me` answer 401 to every access token issued so far.
    public func rejectAccessTokens() { locked { accessTokens.removeAll() } }
    /// The `Authorization` headers `GET /api/me` received, in order.
    public var apiCalls: [String] { locked { apiAuthorizations } }

    private func acceptLoop() {
        while true {
            let client = accept(socket, nil, nil)
            guard client >= 0 else { return }
            let thread = Thread { [self] in
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                serve(LineConnection(fd: client))
                close(client)
            }
            thread.start()
        }
    }

    private func serve(_ connection: LineConnection) {
        guard let requestLine = connection.line() else { return }
        let parts = requestLine.split(separator: " ")
        guard parts.count >= 2 else { return }
        var headers: [String: String] = [:]
        while let line = connection.line(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        let body = String(decoding: connection.bytes(Int(headers["content-length"] ?? "0") ?? 0), as: UTF8.self)
        let target = String(parts[1])
        let path = String(target.split(separator: "?", maxSplits: 1)[0])
        let query = target.contains("?") ? Self.form(String(target.split(separator: "?", maxSplits: 1)[1])) : [:]
        let (status, extra, text) = answer(String(parts[0]), path, query, headers, Self.form(body))
        var head = "HTTP/1.1 \(status) X\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n"
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        connection.send(head + "\r\n" + text)
    }

    private func answer(
        _ method: String,
        _ path: String,
        _ query: [String: String],
        _ headers: [String: String],
        _ form: [String: String]
    ) -> (Int, [(String, String)], String) {
        switch (method, path) {
        case ("GET", "/authorize"):
            guard query["client_id"] == clientID, let redirect = query["redirect_uri"], let state = query["state"]
            else {
                return (400, [], "bad authorization request")
            }
            let code = "code-\(UUID().uuidString)"
            locked { codes[code] = (query["code_challenge"], redirect) }
            let location =
                redirect
                + "?code=\(code)&state=\(state.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? state)"
            return (302, [("Location", location)], "")
        case ("GET", "/.well-known/openid-configuration"):
            let document = """
                {"issuer":"\(base)","authorization_endpoint":"\(base)/authorize","token_endpoint":"\(base)/token",
                "revocation_endpoint":"\(base)/revoke"}
                """
            return (200, [("Content-Type", "application/json")], document)
        case ("GET", "/api/me"):
            let authorization = headers["authorization"] ?? ""
            let valid = locked {
                apiAuthorizations.append(authorization)
                return authorization.hasPrefix("Bearer ") && accessTokens.contains(String(authorization.dropFirst(7)))
            }
            return valid ? (200, [], #"{"me":"mock-user"}"#) : Self.error(401, "invalid_token")
        case ("POST", "/token"):
            return token(headers, form)
        case ("POST", "/revoke"):
            locked { revoked.append(form["token"] ?? "") }
            return (200, [], "")
        default:
            return (404, [], "not found")
        }
    }

    private func token(_ headers: [String: String], _ form: [String: String]) -> (Int, [(String, String)], String) {
        guard form["client_id"] == clientID, form["client_secret"] == clientSecret else {
            return Self.error(401, "invalid_client")
        }
        switch form["grant_type"] {
        case "authorization_code":
            let grant: (challenge: String?, redirectURI: String)? = locked {
                codes.removeValue(forKey: form["code"] ?? "")
            }
            guard let grant, grant.redirectURI == form["redirect_uri"] else { return Self.error(400, "invalid_grant") }
            if let challenge = grant.challenge {
                let verifier = form["code_verifier"] ?? ""
                guard Self.base64URL(ContentHash(of: Array(verifier.utf8)).bytes) == challenge else {
                    return Self.error(400, "invalid_grant")
                }
            }
            return locked {
                exchanges += 1
                issued += 1
                refreshTokens.insert("rt-\(issued)")
                accessTokens.insert("at-\(issued)")
                return (200, [("Content-Type", "application/json")], Self.tokens(issued, refresh: true, lifetime))
            }
        case "refresh_token":
            let wait = locked {
                refreshes += 1
                return delay
            }
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            return locked {
                if let outage { return (outage, [], "unavailable") }
                guard refreshTokens.contains(form["refresh_token"] ?? "") else {
                    return Self.error(400, "invalid_grant")
                }
                issued += 1
                accessTokens.insert("at-\(issued)")
                // No new refresh token: the client keeps the one it has (RFC 6749 §6).
                return (200, [("Content-Type", "application/json")], Self.tokens(issued, refresh: false, lifetime))
            }
        default:
            return Self.error(400, "unsupported_grant_type")
        }
    }

    private static func tokens(_ n: Int, refresh: Bool, _ lifetime: Int) -> String {
        let refreshPart = refresh ? #","refresh_token":"rt-\#(n)""# : ""
        return #"{"access_token":"at-\#(n)","token_type":"Bearer","expires_in":\#(lifetime)\#(refreshPart)}"#
    }

    private static func error(_ status: Int, _ code: String) -> (Int, [(String, String)], String) {
        (status, [("Content-Type", "application/json")], #"{"error":"\#(code)"}"#)
    }

    static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for part in text.split(separator: "&") {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = pieces[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(pieces[0])
            let value = pieces.count > 1 ? pieces[1].replacingOccurrences(of: "+", with: " ") : ""
            fields[key] = value.removingPercentEncoding ?? value
        }
        return fields
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

import FaztKernel
import Foundation
import NIOCore
import NIOHTTP1

/// `/_fazt/passkeys/*` on the bare domain: adding a passkey (signed in, with the CSRF header) and
/// signing in with one (WebAuthn, ES256, "none" attestation).
///
/// - `POST register/options` → creation options; `POST register` `{clientDataJSON,
///   attestationObject, name}` (base64url) → `{"id"}`.
/// - `POST login/options` → request options; `POST login` `{id, clientDataJSON,
///   authenticatorData, signature}` → the session cookie, as a password sign-in.
extension FaztResponder {
    static let passkeysPrefix = "/_fazt/passkeys/"

    func servePasskeys(_ exchange: Exchange, path: String) {
        let head = exchange.head
        guard head.method == .POST else {
            var response = Response.json(["error": "use POST"], status: .methodNotAllowed)
            response.headers.add(name: "Allow", value: "POST")
            return exchange.respond(response)
        }
        let host = head.headers.first(name: "Host") ?? "localhost"
        let secure = DashboardSession.isSecureOrigin(host: host, publicScheme: services.configuration.publicScheme)
        let scheme = services.configuration.publicScheme ?? "http"
        let party = WebAuthnRelyingParty(id: Self.hostName(host), origin: "\(scheme)://\(host)")
        let object =
            (try? JSONSerialization.jsonObject(with: Data(exchange.request.bodyBuffer.readableBytesView)))
            as? [String: Any] ?? [:]
        let fields = object.compactMapValues { $0 as? String }
        let action = String(path.dropFirst(Self.passkeysPrefix.count))
        let passkeys = OwnerPasskeys(store: services.store)
        let sessions = services.ownerSessions
        let challenges = services.passkeyChallenges
        let session = DashboardSession.id(in: head.headers)
        let address = exchange.request.clientIP ?? "unknown"
        let limiter = services.signInLimiter
        if action.hasPrefix("register") {
            guard let session else {
                return exchange.respond(ErrorMapping.response(for: APIError.unauthorized))
            }
            do {
                try DashboardSession.checkCSRF(head.headers, session: session)
            } catch {
                return exchange.respond(ErrorMapping.response(for: error))
            }
        }
        if action == "login", let wait = limiter.admit(address) {
            var response = Response.json(
                ["error": "too many sign-in attempts: try again in \(wait) s"],
                status: .tooManyRequests
            )
            response.headers.add(name: "Retry-After", value: String(wait))
            return exchange.respond(response)
        }
        services.threadPool.runIfActive(eventLoop: exchange.loop) { () throws -> Response in
            func bytes(_ name: String) throws -> [UInt8] {
                guard let text = fields[name], let value = PasskeyChallenges.base64url(text) else {
                    throw APIError.badRequest("\(name) is missing or not base64url")
                }
                return value
            }
            switch action {
            case "register/options":
                guard let session, try sessions.isValid(session, app: OwnerSessions.dashboard) else {
                    throw APIError.unauthorized
                }
                let challenge = try challenges.issue(.register(session: session))
                return .json(
                    CreationOptions(
                        challenge: PasskeyChallenges.base64url(challenge),
                        rp: .init(id: party.id, name: "Fazt"),
                        user: .init(
                            id: PasskeyChallenges.base64url(Array("owner".utf8)),
                            name: "owner",
                            displayName: "Owner"
                        ),
                        excludeCredentials: try passkeys.list().map { .init(id: $0.id) }
                    )
                )
            case "register":
                guard let session, try sessions.isValid(session, app: OwnerSessions.dashboard) else {
                    throw APIError.unauthorized
                }
                let clientData = try bytes("clientDataJSON")
                guard let challenge = challenges.take(clientDataJSON: clientData, for: .register(session: session))
                else {
                    throw APIError.badRequest("passkey refused: the challenge is unknown, used or expired; start again")
                }
                let name = fields["name"].map { String($0.prefix(60)) } ?? "passkey"
                let credential = try party.register(
                    clientDataJSON: clientData,
                    attestationObject: try bytes("attestationObject"),
                    challenge: challenge,
                    name: name.isEmpty ? "passkey" : name,
                    now: Int64(Date().timeIntervalSince1970 * 1000)
                )
                try passkeys.add(credential)
                return .json(["id": credential.id], status: .created)
            case "login/options":
                let challenge = try challenges.issue(.signIn)
                return .json(
                    RequestOptions(
                        challenge: PasskeyChallenges.base64url(challenge),
                        rpId: party.id,
                        allowCredentials: try passkeys.list().map { .init(id: $0.id) }
                    )
                )
            case "login":
                let clientData = try bytes("clientDataJSON")
                let id = fields["id"] ?? ""
                guard let challenge = challenges.take(clientDataJSON: clientData, for: .signIn),
                    let credential = try passkeys.list().first(where: { $0.id == id })
                else {
                    limiter.failed(address)
                    return .json(["error": "unknown passkey or expired challenge: try again"], status: .unauthorized)
                }
                let count: UInt32
                do {
                    count = try party.authenticate(
                        credential: credential,
                        clientDataJSON: clientData,
                        authenticatorData: try bytes("authenticatorData"),
                        signature: try bytes("signature"),
                        challenge: challenge
                    )
                } catch {
                    limiter.failed(address)
                    return .json(["error": "\(error)"], status: .unauthorized)
                }
                try passkeys.record(id: id, signCount: count)
                limiter.succeeded(address)
                let created = try sessions.create(app: OwnerSessions.dashboard)
                var response = Response.json(
                    SessionState(signedIn: true, csrf: OwnerSessions.csrfToken(for: created), passwordSet: true)
                )
                for cookie in DashboardSession.setCookie(created, secure: secure) {
                    response.headers.add(name: "Set-Cookie", value: cookie)
                }
                response.headers.add(name: "Cache-Control", value: "no-store")
                return response
            default:
                throw APIError.notFound("no passkey route \(action)")
            }
        }.whenComplete { [self] result in
            switch result {
            case .success(let response): exchange.respond(response)
            case .failure(let error as APIError): exchange.respond(ErrorMapping.response(for: error))
            case .failure(let error as KernelError): exchange.respond(ErrorMapping.response(for: error))
            case .failure(let error): fail(exchange, error: error)
            }
        }
    }

    /// The host name of a `Host` header (no port; IPv6 brackets kept).
    static func hostName(_ host: String) -> String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") { return String(host[...close]) }
        return String(host.split(separator: ":").first ?? "")
    }

    struct Descriptor: Encodable {
        var type = "public-key"
        var id: String
    }

    struct CreationOptions: Encodable {
        struct Party: Encodable {
            var id: String
            var name: String
        }
        struct User: Encodable {
            var id: String
            var name: String
            var displayName: String
        }
        struct Parameter: Encodable {
            var type = "public-key"
            var alg = -7
        }
        struct Selection: Encodable {
            var residentKey = "preferred"
            var userVerification = "preferred"
        }
        var challenge: String
        var rp: Party
        var user: User
        var pubKeyCredParams = [Parameter()]
        var attestation = "none"
        var authenticatorSelection = Selection()
        var excludeCredentials: [Descriptor]
        var timeout = 60_000
    }

    struct RequestOptions: Encodable {
        var challenge: String
        var rpId: String
        var allowCredentials: [Descriptor]
        var userVerification = "preferred"
        var timeout = 60_000
    }
}

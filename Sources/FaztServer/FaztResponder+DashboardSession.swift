import FaztAPI
import FaztKernel
import Foundation
import NIOCore
import NIOHTTP1

/// `/_fazt/session` on the bare domain: the dashboard's sign-in.
///
/// - `GET`: `{"signedIn","csrf","passwordSet"}` (`csrf` only when signed in).
/// - `POST {"password"}` (or `{"token"}`, an owner token, which the `/#token=` link uses): starts
///   a session; 401 when wrong, 429 with `Retry-After` past the limits (`SignInLimiter`).
/// - `DELETE` (with the CSRF header): signs this browser out.
extension FaztResponder {
    struct SessionState: Encodable {
        var signedIn: Bool
        var csrf: String?
        var passwordSet: Bool
    }

    func serveDashboardSession(_ exchange: Exchange) {
        let head = exchange.head
        let sessions = services.ownerSessions
        let password = OwnerPassword(store: services.store)
        let current = DashboardSession.id(in: head.headers)
        let secure = DashboardSession.isSecureOrigin(
            host: head.headers.first(name: "Host"),
            publicScheme: services.configuration.publicScheme
        )
        switch head.method {
        case .GET, .HEAD:
            services.threadPool.runIfActive(eventLoop: exchange.loop) { () throws -> SessionState in
                let valid = try current.map { try sessions.isValid($0, app: OwnerSessions.dashboard) } ?? false
                return SessionState(
                    signedIn: valid,
                    csrf: valid ? current.map(OwnerSessions.csrfToken(for:)) : nil,
                    passwordSet: try password.isSet()
                )
            }.whenComplete { [self] result in
                switch result {
                case .success(let state):
                    var response = Response.json(state)
                    response.headers.add(name: "Cache-Control", value: "no-store")
                    exchange.respond(response)
                case .failure(let error): fail(exchange, error: error)
                }
            }
        case .POST:
            signIn(exchange, secure: secure)
        case .DELETE:
            guard let current else { return exchange.respond(signedOut(secure: secure)) }
            do {
                try DashboardSession.checkCSRF(head.headers, session: current)
            } catch let error as APIError {
                return exchange.respond(ErrorMapping.response(for: error))
            } catch {
                return fail(exchange, error: error)
            }
            services.threadPool.runIfActive(eventLoop: exchange.loop) { try sessions.end(current) }
                .whenComplete { [self] result in
                    if case .failure(let error) = result { return fail(exchange, error: error) }
                    exchange.respond(signedOut(secure: secure))
                }
        default:
            var response = Response.json(["error": "use GET, POST or DELETE"], status: .methodNotAllowed)
            response.headers.add(name: "Allow", value: "GET, POST, DELETE")
            exchange.respond(response)
        }
    }

    private func signedOut(secure: Bool) -> Response {
        var response = Response.json(SessionState(signedIn: false, passwordSet: true))
        for cookie in DashboardSession.setCookie(nil, secure: secure) {
            response.headers.add(name: "Set-Cookie", value: cookie)
        }
        return response
    }

    /// Checks a password or an owner token and starts a dashboard session.
    private func signIn(_ exchange: Exchange, secure: Bool) {
        let body = exchange.request.bodyBuffer
        let fields: [String: String]
        if let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] {
            fields = object.compactMapValues { $0 as? String }
        } else {
            fields = OwnerLoginPage.formFields(body)
        }
        let secret = fields["password"] ?? ""
        let token = fields["token"]?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !secret.isEmpty || !token.isEmpty else {
            return exchange.respond(
                ErrorMapping.response(
                    for: APIError.badRequest("send {\"password\": \"…\"} (or an owner token as {\"token\": \"…\"})")
                )
            )
        }
        let address = exchange.request.clientIP ?? "unknown"
        let limiter = services.signInLimiter
        if let wait = limiter.admit(address) {
            var response = Response.json(
                ["error": "too many sign-in attempts: try again in \(wait) s"],
                status: .tooManyRequests
            )
            response.headers.add(name: "Retry-After", value: String(wait))
            return exchange.respond(response)
        }
        let password = OwnerPassword(store: services.store)
        let tokens = services.tokens
        let sessions = services.ownerSessions
        services.threadPool.runIfActive(eventLoop: exchange.loop) { () throws -> String? in
            let accepted: Bool
            if !secret.isEmpty {
                accepted = try password.verify(secret)
            } else {
                // Only an owner token signs in to the dashboard (it can do everything there).
                accepted = try tokens.verify(token)?.isOwner == true
            }
            return accepted ? try sessions.create(app: OwnerSessions.dashboard) : nil
        }.whenComplete { [self] result in
            switch result {
            case .success(let id?):
                limiter.succeeded(address)
                var response = Response.json(
                    SessionState(signedIn: true, csrf: OwnerSessions.csrfToken(for: id), passwordSet: true)
                )
                for cookie in DashboardSession.setCookie(id, secure: secure) {
                    response.headers.add(name: "Set-Cookie", value: cookie)
                }
                response.headers.add(name: "Cache-Control", value: "no-store")
                exchange.respond(response)
            case .success(nil):
                limiter.failed(address)
                let what = secret.isEmpty ? "that is not an owner token" : "wrong password"
                exchange.respond(Response.json(["error": what], status: .unauthorized))
            case .failure(let error):
                fail(exchange, error: error)
            }
        }
    }
}

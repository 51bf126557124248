import Dispatch
import FaztKernel
import FaztNet
import FaztVFS
import Foundation

/// The daemon's side of `fetch(url, {auth, connection})` and `{{secret:NAME}}`: fills owner
/// secrets and OAuth tokens into an app's request after it left the worker, binds them to hosts
/// and tells the fetch what to redact from the answer.
///
/// Secrets are read (blocking, from `data.db`) on a queue of their own, never on an event loop.
final class OutboundSecrets: OutboundCredentials {
    private let secrets: AppSecrets
    private let connections: (any ConnectionTokens)?
    private let queue = DispatchQueue(label: "fazt-outbound-secrets", attributes: .concurrent)

    init(secrets: AppSecrets, connections: (any ConnectionTokens)?) {
        self.secrets = secrets
        self.connections = connections
    }

    func prepare(
        _ request: EgressRequest,
        app: String,
        auth: FetchAuth,
        completion: @escaping @Sendable (Result<PreparedRequest, EgressError>) -> Void
    ) {
        if AppName.preview(app) != nil {
            // Draft code never holds production credentials (not even global secrets).
            let message = "a preview runs without secrets and connections; they work once the version is live"
            completion(.failure(Self.refusal(message)))
            return
        }
        queue.async { [self] in
            let prepared: PreparedRequest
            do {
                prepared = try fill(request, app: app, auth: auth)
            } catch let error as EgressError {
                completion(.failure(error))
                return
            } catch {
                completion(.failure(Self.refusal("\(error)")))
                return
            }
            guard let connection = auth.connection else {
                completion(.success(prepared))
                return
            }
            guard let connections else {
                completion(.failure(Self.refusal("OAuth connections are not available in this server")))
                return
            }
            connections.token(app: app, connection: connection) { result in
                completion(
                    result.map { Self.adding($0, to: prepared, app: app, connection: connection, from: connections) }
                )
            }
        }
    }

    /// `request` with its secrets filled in (blocking).
    private func fill(_ request: EgressRequest, app: String, auth: FetchAuth) throws -> PreparedRequest {
        let host = HostAllowlist.host(of: request.url) ?? ""
        var names = SecretPlaceholders.names(in: Array(request.url.utf8))
        for (_, value) in request.headers { names += SecretPlaceholders.names(in: Array(value.utf8)) }
        if let body = request.body { names += SecretPlaceholders.names(in: body) }
        if let secret = auth.secret { names.append(secret) }
        var values: [String: [UInt8]] = [:]
        var prepared = PreparedRequest(request: request)
        for name in names where values[name] == nil {
            let secret = try resolve(name, app: app)
            if let bound = secret.hosts, !bound.allows(host) {
                throw Self.refusal(
                    "secret \"\(name)\" may only be sent to \(bound.patterns.joined(separator: ", ")); it was not sent to \"\(host)\""
                )
            }
            values[name] = secret.value
            prepared.redactor.add(secret.value)
            prepared.credentialHosts.append(secret.hosts ?? HostAllowlist([host]))
        }
        guard !values.isEmpty else { return prepared }
        let value: (String) -> [UInt8] = { values[$0] ?? [] }
        prepared.request.url = try SecretPlaceholders.substitute(url: request.url, value)
        prepared.request.body = request.body.map { SecretPlaceholders.substitute($0, value) }
        var headers: [(String, String)] = []
        for (name, raw) in request.headers {
            let filled = SecretPlaceholders.substitute(Array(raw.utf8), value)
            guard !SecretPlaceholders.breaksLine(filled) else {
                throw Self.refusal("a secret placed in header \"\(name)\" holds a line break; it was not sent")
            }
            headers.append((name, String(decoding: filled, as: UTF8.self)))
        }
        prepared.request.headers = headers
        if let name = auth.secret, let secret = values[name] {
            try Self.setAuthorization(&prepared.request, auth: auth, secret: secret)
        }
        return prepared
    }

    private func resolve(_ name: String, app: String) throws(EgressError) -> AppSecrets.Secret {
        do {
            _ = try AppSecrets.validate(name: name)
        } catch {
            throw Self.refusal("\"\(name)\" is not a secret name (letters, digits and '_')")
        }
        let found: AppSecrets.Secret?
        do {
            found = try secrets.resolve(app: app, name: name)
        } catch {
            throw EgressError(message: "fetch: cannot read secret \"\(name)\": \(error)", code: "NET_AUTH")
        }
        guard let found else {
            throw Self.refusal(
                "secret \"\(name)\" is not set for \(app): the owner sets it with 'fazt secret set \(app) \(name) -'"
            )
        }
        return found
    }

    /// Puts `secret` into the header `auth` names (default `Authorization: Bearer …`).
    private static func setAuthorization(
        _ request: inout EgressRequest,
        auth: FetchAuth,
        secret: [UInt8]
    ) throws(EgressError) {
        let header = auth.header ?? "Authorization"
        let isToken = !header.isEmpty && header.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != 58 }
        guard isToken else { throw refusal("auth.header \"\(header)\" is not a header name") }
        guard !SecretPlaceholders.breaksLine(secret) else {
            throw refusal("secret \"\(auth.secret ?? "")\" holds a line break and cannot be sent in a header")
        }
        let isAuthorization = header.lowercased() == "authorization"
        let scheme = auth.scheme ?? (isAuthorization ? "Bearer" : "")
        let text =
            scheme.lowercased() == "basic"
            ? Data(secret).base64EncodedString() : String(decoding: secret, as: UTF8.self)
        request.headers.removeAll { $0.0.lowercased() == header.lowercased() }
        request.headers.append((header, scheme.isEmpty ? text : "\(scheme) \(text)"))
    }

    /// `prepared` carrying a connection's `token`, and able to refresh it once after a 401.
    private static func adding(
        _ token: ConnectionToken,
        to prepared: PreparedRequest,
        app: String,
        connection: String,
        from connections: any ConnectionTokens
    ) -> PreparedRequest {
        var carrying = prepared
        let type = token.tokenType.lowercased() == "bearer" ? "Bearer" : token.tokenType
        carrying.request.headers.removeAll { $0.0.lowercased() == "authorization" }
        carrying.request.headers.append(("Authorization", "\(type) \(token.accessToken)"))
        carrying.redactor.add(Array(token.accessToken.utf8))
        carrying.credentialHosts.append(
            token.hosts ?? HostAllowlist([HostAllowlist.host(of: prepared.request.url) ?? ""])
        )
        carrying.retryUnauthorized = { retry in
            connections.refresh(app: app, connection: connection, rejected: token.accessToken) { result in
                retry(result.map { adding($0, to: prepared, app: app, connection: connection, from: connections) })
            }
        }
        return carrying
    }

    static func refusal(_ message: String) -> EgressError {
        EgressError(message: "fetch: \(message)", code: "NET_AUTH")
    }
}

import FaztAPI
import FaztKernel
import FaztNet
import FaztVFS
import NIOHTTP1

/// `/connect/providers[/{name}]` and `/connect/connections[/{name}[/token]]`: OAuth clients and
/// connected accounts (`fazt connect …`), owner-only. No answer ever carries a token or a client secret.
extension ControlAPI {
    func connectRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.first == "connect", segments.count >= 2 else { return nil }
        let connections = services.connections
        let store = connections.store
        switch (request.method, segments[1], segments.count) {
        case (.GET, "providers", 2):
            return .json(OAuthProviderList(providers: try await blocking { try store.providers() }))
        case (.POST, "providers", 2):
            let body = try request.decodeJSON(OAuthProviderBody.self)
            var discovered: OAuthConnections.DiscoveredEndpoints?
            if let issuer = body.issuer, body.authorizeURL == nil || body.tokenURL == nil {
                try OAuthProvider.checked(url: issuer, flag: "--issuer")
                discovered = try await connections.discover(issuer: issuer)
            }
            let provider = try OAuthProvider.make(from: body, discovered: discovered)
            let secret = body.clientSecret.flatMap { $0.isEmpty ? nil : $0 }
            if let secret, secret.utf8.count > 4096 {
                throw APIError.badRequest("the client secret is longer than 4096 bytes")
            }
            try await blocking { try store.addProvider(provider, clientSecret: secret) }
            guard let info = try await blocking({ try store.providers() }).first(where: { $0.name == provider.name })
            else { throw APIError.notFound("provider '\(provider.name)' vanished") }
            return .json(info)
        case (.DELETE, "providers", 3):
            let name = segments[2]
            guard try await blocking({ try store.removeProvider(name: name) }) else {
                throw APIError.notFound("there is no provider '\(name)' (see fazt connect provider list)")
            }
            return .json(["removed": name])
        case (.GET, "connections", 2):
            return .json(ConnectionList(connections: try await blocking { try store.connections() }))
        case (.GET, "connections", 3):
            let name = segments[2]
            guard let info = try await blocking({ try store.connection(named: name) }) else {
                throw APIError.notFound("there is no connection '\(name)' (see fazt connect list)")
            }
            return .json(info)
        case (.POST, "connections", 2):
            let body = try request.decodeJSON(ConnectionBody.self)
            let redirect = services.oauthRedirectURI
            let started = try await blocking {
                try connections.start(
                    name: body.name,
                    providerName: body.provider,
                    scopes: body.scopes,
                    redirectURI: redirect
                )
            }
            return .json(started)
        case (.DELETE, "connections", 3):
            let name = segments[2]
            guard let note = try await connections.remove(name: name) else {
                throw APIError.notFound("there is no connection '\(name)' (see fazt connect list)")
            }
            return .json(["removed": name, "revocation": note])
        case (.POST, "connections", 4) where segments[3] == "token":
            return try await checkToken(request, connection: segments[2])
        default:
            throw APIError.notFound(
                "no route \(request.method) /connect/\(segments.dropFirst().joined(separator: "/"))"
            )
        }
    }

    /// Gets the token `app` would send (refreshing as `fetch` would), answering its fingerprint only:
    /// the owner's way to check a connection and its grant without an app.
    private func checkToken(_ request: APIRequest, connection: String) async throws -> Response {
        let body = try request.decodeJSON(ConnectionTokenCheck.self)
        let connections = services.connections
        let store = connections.store
        let current = try await blocking { try store.tokens(of: connection)?.accessToken }
        let result = await withCheckedContinuation { continuation in
            let completion: OAuthConnections.Completion = { continuation.resume(returning: $0) }
            if let rejected = body.rejected {
                // The token the caller saw rejected, by fingerprint: refresh unless it was replaced.
                let seen = current.map { Self.fingerprint($0) == rejected ? $0 : "" } ?? ""
                connections.refresh(app: body.app, connection: connection, rejected: seen, completion: completion)
            } else {
                connections.token(app: body.app, connection: connection, completion: completion)
            }
        }
        switch result {
        case .success(let token):
            let expiresAt = try await blocking { try store.connection(named: connection)?.expiresAt }
            return .json(
                ConnectionTokenAnswer(
                    connection: connection,
                    app: body.app,
                    tokenType: token.tokenType,
                    fingerprint: Self.fingerprint(token.accessToken),
                    expiresAt: expiresAt,
                    hosts: token.hosts?.patterns
                )
            )
        case .failure(let error) where error.code == "NET_AUTH":
            throw APIError(status: .forbidden, code: "NET_AUTH", message: error.message)
        case .failure(let error):
            throw APIError(status: .badGateway, code: error.code ?? "NET_ERROR", message: error.message)
        }
    }

    /// The first 16 hex digits of the SHA-256 of a token: enough to tell tokens apart, useless to use one.
    static func fingerprint(_ token: String) -> String {
        String(ContentHash(of: Array(token.utf8)).hex.prefix(16))
    }
}

import FaztAPI
import FaztJSON
import FaztNet
import Foundation

/// The owner's side: authorization links, the callback's code exchange, removal with revocation.
extension OAuthConnections {
    /// How a callback ended: the connection it completed, or a status and a message for the page.
    public enum CallbackOutcome: Sendable, Equatable {
        case connected(String)
        case failed(status: Int, message: String)
        /// The database or the secret key failed: `detail` is for the server log only.
        case internalFailure(detail: String)
    }

    /// Starts connecting account `name` through `providerName`: a single-use state and a PKCE
    /// verifier are stored and the provider's authorization link is returned (blocking).
    public func start(
        name: String,
        providerName: String,
        scopes: [String]?,
        redirectURI: String
    ) throws
        -> ConnectionStarted
    {
        let name = try OAuthStore.validate(name: name, kind: "connection")
        guard let (provider, _) = try store.provider(named: providerName) else {
            throw KernelError(
                .invalidArgument,
                "there is no OAuth provider '\(providerName)'; add it first with "
                    + "'fazt connect provider add \(providerName) --client-id ID --client-secret-stdin'"
            )
        }
        let scopes = try Self.checked(scopes: scopes ?? provider.scopes)
        let now = clock()
        let (state, verifier) = try store.start(
            name: name,
            provider: provider.name,
            scopes: scopes,
            redirectURI: redirectURI,
            now: now
        )
        var parameters = [
            ("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", redirectURI),
        ]
        if !scopes.isEmpty { parameters.append(("scope", scopes.joined(separator: provider.scopeSeparator))) }
        parameters.append(("state", state))
        if provider.pkce {
            parameters += [("code_challenge", OAuthPKCE.challenge(of: verifier)), ("code_challenge_method", "S256")]
        }
        var link = provider.authorizeURL + (provider.authorizeURL.contains("?") ? "&" : "?")
        link += FormEncoding.encode(parameters)
        if !provider.authParams.isEmpty { link += "&" + provider.authParams }
        return ConnectionStarted(
            name: name,
            provider: provider.name,
            authorizeURL: link,
            redirectURI: redirectURI,
            expiresAt: now + OAuthStore.stateLifetimeMs
        )
    }

    /// `scopes` when each is a plain token (no spaces, commas or control characters), else an error.
    static func checked(scopes: [String]) throws -> [String] {
        guard scopes.count <= 50 else { throw KernelError(.invalidArgument, "at most 50 scopes") }
        for scope in scopes {
            guard !scope.isEmpty, scope.utf8.count <= 256,
                scope.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "," && $0 != "\"" })
            else {
                throw KernelError(
                    .invalidArgument,
                    "invalid scope '\(scope)': scopes are printable ASCII without spaces; separate them with commas"
                )
            }
        }
        return scopes
    }

    /// Completes an authorization from the callback's query (`code`, `state`, or `error`).
    public func complete(query: [String: String]) async -> CallbackOutcome {
        await withCheckedContinuation { continuation in
            queue.async { self.complete(query: query) { continuation.resume(returning: $0) } }
        }
    }

    private func complete(query: [String: String], done: @escaping @Sendable (CallbackOutcome) -> Void) {
        let again = "start again with 'fazt connect add NAME --provider PROVIDER'"
        guard let state = query["state"], !state.isEmpty else {
            return done(.failed(status: 400, message: "The callback has no state parameter; \(again)."))
        }
        do {
            guard let pending = try store.take(state: state, now: clock()) else {
                return done(
                    .failed(
                        status: 400,
                        message:
                            "This authorization state is unknown or was already used (each link works once); \(again)."
                    )
                )
            }
            let name = pending.connection
            let retry = "start again with 'fazt connect add \(name) --provider \(pending.provider)'"
            guard !pending.expired else {
                return done(.failed(status: 400, message: "The authorization link of \(name) expired; \(retry)."))
            }
            if let error = query["error"] {
                var reason = "the provider answered \(error)"
                if let description = query["error_description"], !description.isEmpty {
                    reason += ": \(description.prefix(200))"
                }
                try? store.recordFailure(connection: name, error: reason, broken: false, now: clock())
                return done(.failed(status: 400, message: "\(name) was not connected: \(reason); \(retry)."))
            }
            guard let code = query["code"], !code.isEmpty else {
                return done(.failed(status: 400, message: "The callback has no code parameter; \(retry)."))
            }
            guard try store.connection(named: name) != nil,
                let (provider, secret) = try store.provider(named: pending.provider)
            else {
                return done(
                    .failed(status: 400, message: "The connection \(name) or its provider was removed meanwhile.")
                )
            }
            var parameters = [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", pending.redirectURI),
            ]
            if provider.pkce { parameters.append(("code_verifier", pending.verifier)) }
            let request = Self.tokenRequest(provider, secret: secret, parameters)
            EgressLoop.shared.submit(request, policy: policy) { [self] result in
                queue.async { self.finishExchange(pending, result: result, done: done) }
            }
        } catch {
            done(.internalFailure(detail: "\(error)"))
        }
    }

    private func finishExchange(
        _ pending: OAuthStore.Pending,
        result: Result<EgressResponse, EgressError>,
        done: @escaping @Sendable (CallbackOutcome) -> Void
    ) {
        let name = pending.connection
        let now = clock()
        let reason: String
        switch result {
        case .failure(let error):
            reason = "the token endpoint could not be reached: \(error.message)"
        case .success(let response):
            let answer = OAuthTokenAnswer(body: response.body)
            if (200..<300).contains(response.status), answer.accessToken != nil, answer.error == nil {
                do {
                    try store.store(
                        answer,
                        connection: name,
                        now: now,
                        authorized: (pending.provider, pending.scopes)
                    )
                    return done(.connected(name))
                } catch {
                    return done(.internalFailure(detail: "cannot store the tokens of \(name): \(error)"))
                }
            }
            reason = "the token endpoint refused the code (\(response.status), \(answer.errorText))"
        }
        try? store.recordFailure(connection: name, error: reason, broken: false, now: now)
        done(.failed(status: 502, message: "\(name) was not connected: \(reason)."))
    }

    /// Removes connection `name`, revoking its token at the provider first where the provider
    /// supports it; answers what happened to the token, or nil when there is no such connection.
    public func remove(name: String) async throws -> String? {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                self.remove(name: name) { continuation.resume(with: $0) }
            }
        }
    }

    private func remove(name: String, done: @escaping @Sendable (Result<String?, Error>) -> Void) {
        do {
            guard let tokens = try store.tokens(of: name) else { return done(.success(nil)) }
            let found = try store.provider(named: tokens.provider)
            let finish: @Sendable (String) -> Void = { [store] note in
                done(Result { try store.removeConnection(name: name) ? note : nil })
            }
            guard let (provider, secret) = found, let revokeURL = provider.revokeURL,
                let token = tokens.refreshToken ?? tokens.accessToken
            else {
                return finish(
                    tokens.accessToken == nil ? "no token to revoke" : "the provider has no revocation endpoint"
                )
            }
            var request: EgressRequest
            switch provider.revokeStyle {
            case .bearer:
                request = EgressRequest(
                    url: revokeURL,
                    method: "POST",
                    headers: [("Authorization", "Bearer \(tokens.accessToken ?? token)")],
                    body: nil
                )
            case .rfc7009, .none:
                let hint = tokens.refreshToken == nil ? "access_token" : "refresh_token"
                request = Self.tokenRequest(provider, secret: secret, [("token", token), ("token_type_hint", hint)])
                request.url = revokeURL
            }
            EgressLoop.shared.submit(request, policy: policy) { result in
                switch result {
                case .success(let response) where (200..<300).contains(response.status):
                    finish("revoked at the provider")
                case .success(let response):
                    finish("the provider answered \(response.status) to the revocation; removed here anyway")
                case .failure(let error):
                    finish("revocation failed (\(error.message)); removed here anyway")
                }
            }
        } catch {
            done(.failure(error))
        }
    }

    /// A POST to `provider`'s token endpoint with `parameters` and the client's authentication.
    static func tokenRequest(
        _ provider: OAuthProvider,
        secret: String?,
        _ parameters: [(String, String)]
    )
        -> EgressRequest
    {
        var fields = parameters
        var headers = [("Accept", "application/json")]
        switch provider.clientAuth {
        case .post:
            fields.append(("client_id", provider.clientID))
            if let secret { fields.append(("client_secret", secret)) }
        case .basic:
            // RFC 6749 §2.3.1: both parts form-encoded before Base64.
            let pair = FormEncoding.escape(provider.clientID) + ":" + FormEncoding.escape(secret ?? "")
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        }
        let body: [UInt8]
        if provider.kind == "notion" {
            // Notion's token endpoint takes JSON.
            headers.append(("Content-Type", "application/json"))
            body = Array(JSONValue.object(fields.map { ($0.0, .string($0.1)) }).text.utf8)
        } else {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(FormEncoding.encode(fields).utf8)
        }
        return EgressRequest(url: provider.tokenURL, method: "POST", headers: headers, body: body)
    }
}

import FaztNet
import Foundation
import Synchronization

/// The daemon's OAuth connections as apps use them (`fetch(url, {connection})`): grant checks,
/// refresh before expiry and after a 401, one refresh at a time per connection, broken connections.
///
/// Database work runs on its own queue (never on the egress thread or an event loop); token
/// endpoint calls go through `EgressLoop.shared`. Tokens never appear in errors or logs.
public final class OAuthConnections: ConnectionTokens, Sendable {
    /// A token with this little life left is refreshed before use.
    public static let refreshMarginMs: Int64 = 60_000
    public typealias Completion = @Sendable (Result<ConnectionToken, EgressError>) -> Void
    /// Where providers, connections and pending authorizations are stored.
    public let store: OAuthStore
    let policy: EgressPolicy
    let clock: @Sendable () -> Int64
    /// Tells the owner (title, body) that a connection broke.
    let notifyOwner: @Sendable (String, String) -> Void
    let queue = DispatchQueue(label: "fazt-oauth", attributes: .concurrent)
    /// Callers waiting for the refresh in flight, per connection: only the first starts one.
    private let waiting = Mutex<[String: [Completion]]>([:])
    /// When each connection's `last_used_at` was last written (ms): a busy one writes once a minute.
    private let lastUseWritten = Mutex<[String: Int64]>([:])

    /// Connections in `store`; token endpoints are called under an egress policy that reaches
    /// private addresses only when `allowPrivate` (the daemon's `--allow-private-egress`).
    public init(
        store: OAuthStore,
        allowPrivate: Bool,
        clock: (@Sendable () -> Int64)? = nil,
        notifyOwner: @escaping @Sendable (String, String) -> Void
    ) {
        self.store = store
        var policy = EgressPolicy(allowPrivate: allowPrivate)
        policy.label = "oauth"
        policy.timeoutSeconds = 20
        policy.maxResponseBytes = 256 << 10
        policy.maxRedirects = 0
        self.policy = policy
        self.clock = clock ?? { WallClock.nowMilliseconds() }
        self.notifyOwner = notifyOwner
    }

    static func refused(_ message: String) -> EgressError { EgressError(message: message, code: "NET_AUTH") }

    // MARK: - ConnectionTokens

    public func token(app: String, connection: String, completion: @escaping Completion) {
        queue.async { [self] in
            do {
                let (tokens, provider) = try usable(app: app, connection: connection)
                let now = clock()
                if let expiresAt = tokens.expiresAt, expiresAt - now <= Self.refreshMarginMs {
                    return refreshShared(connection, rejected: tokens.accessToken ?? "") { result in
                        if case .success = result { self.touch(connection) }
                        completion(result)
                    }
                }
                touch(connection)
                completion(.success(Self.token(tokens, provider)))
            } catch let error as EgressError {
                completion(.failure(error))
            } catch {
                completion(.failure(EgressError(message: "oauth: \(error)", code: "NET_ERROR")))
            }
        }
    }

    public func refresh(app: String, connection: String, rejected: String, completion: @escaping Completion) {
        queue.async { [self] in
            do {
                let (tokens, provider) = try usable(app: app, connection: connection)
                if let current = tokens.accessToken, current != rejected {
                    // Someone refreshed since the caller read its token.
                    return completion(.success(Self.token(tokens, provider)))
                }
                refreshShared(connection, rejected: rejected, completion: completion)
            } catch let error as EgressError {
                completion(.failure(error))
            } catch {
                completion(.failure(EgressError(message: "oauth: \(error)", code: "NET_ERROR")))
            }
        }
    }

    // MARK: - Checks

    /// The connection's tokens and provider when `app` may use it now, else a `NET_AUTH` error
    /// naming the fix (blocking).
    func usable(app: String, connection name: String) throws -> (OAuthTokens, OAuthProvider) {
        guard (try? OAuthStore.validate(name: name, kind: "connection")) != nil else {
            throw Self.refused("oauth: '\(name)' is not a valid connection name")
        }
        guard try store.isGranted(app: app, connection: name) else {
            throw Self.refused(
                "oauth: \(app) may not use the connection '\(name)'; the owner grants it with "
                    + "'fazt grant \(app) connection:\(name)'"
            )
        }
        guard let tokens = try store.tokens(of: name), let provider = try store.settings(of: tokens.provider) else {
            throw Self.refused("oauth: there is no connection '\(name)' (see fazt connect list)")
        }
        let reconnect = "fazt connect add \(name) --provider \(provider.name)"
        switch tokens.status {
        case "broken":
            throw Self.refused("oauth: the connection '\(name)' is broken; the owner reconnects it with '\(reconnect)'")
        case "ok" where tokens.accessToken != nil:
            return (tokens, provider)
        default:
            throw Self.refused(
                "oauth: the connection '\(name)' is not connected yet; the owner opens the link of '\(reconnect)'"
            )
        }
    }

    static func token(_ tokens: OAuthTokens, _ provider: OAuthProvider) -> ConnectionToken {
        ConnectionToken(
            accessToken: tokens.accessToken ?? "",
            tokenType: tokens.tokenType,
            hosts: provider.hostAllowlist
        )
    }

    private func touch(_ name: String) {
        let now = clock()
        let due = lastUseWritten.withLock { written -> Bool in
            if let last = written[name], now - last < 60_000 { return false }
            written[name] = now
            return true
        }
        if due { try? store.touch(connection: name, now: now) }
    }

    // MARK: - Refresh

    /// Joins the refresh of `name` in flight, or starts one.
    func refreshShared(_ name: String, rejected: String, completion: @escaping Completion) {
        let first = waiting.withLock { waiting -> Bool in
            if waiting[name] != nil {
                waiting[name]?.append(completion)
                return false
            }
            waiting[name] = [completion]
            return true
        }
        guard first else { return }
        performRefresh(name, rejected: rejected) { [self] result in
            let waiters = waiting.withLock { $0.removeValue(forKey: name) ?? [] }
            for waiter in waiters { waiter(result) }
        }
    }

    private func performRefresh(_ name: String, rejected: String, done: @escaping Completion) {
        do {
            guard let tokens = try store.tokens(of: name),
                let (provider, secret) = try store.provider(named: tokens.provider)
            else { return done(.failure(Self.refused("oauth: there is no connection '\(name)'"))) }
            // A refresh that finished just before this one started already replaced the token, or
            // found the connection broken (the provider is not asked, nor the owner told, again).
            guard tokens.status == "ok" else {
                let reconnect = "fazt connect add \(name) --provider \(provider.name)"
                return done(
                    .failure(
                        Self.refused(
                            "oauth: the connection '\(name)' is \(tokens.status); reconnect it with '\(reconnect)'"
                        )
                    )
                )
            }
            if let current = tokens.accessToken, current != rejected {
                return done(.success(Self.token(tokens, provider)))
            }
            guard let refreshToken = tokens.refreshToken else {
                return broke(
                    name,
                    provider: provider,
                    reason: "the access token is no longer valid and there is no refresh token",
                    done: done
                )
            }
            let request = Self.tokenRequest(
                provider,
                secret: secret,
                [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
            )
            EgressLoop.shared.submit(request, policy: policy) { [self] result in
                queue.async { self.finishRefresh(name, provider: provider, result: result, done: done) }
            }
        } catch {
            done(.failure(EgressError(message: "oauth: \(error)", code: "NET_ERROR")))
        }
    }

    private func finishRefresh(
        _ name: String,
        provider: OAuthProvider,
        result: Result<EgressResponse, EgressError>,
        done: @escaping Completion
    ) {
        let now = clock()
        switch result {
        case .failure(let error):
            try? store.recordFailure(
                connection: name,
                error: "refresh failed: \(error.message)",
                broken: false,
                now: now
            )
            done(
                .failure(
                    EgressError(message: "oauth: refreshing '\(name)' failed: \(error.message)", code: "NET_ERROR")
                )
            )
        case .success(let response):
            let answer = OAuthTokenAnswer(body: response.body)
            if (200..<300).contains(response.status), answer.accessToken != nil, answer.error == nil {
                do {
                    try store.store(answer, connection: name, now: now)
                    guard let tokens = try store.tokens(of: name) else {
                        return done(.failure(Self.refused("oauth: the connection '\(name)' was removed")))
                    }
                    done(.success(Self.token(tokens, provider)))
                } catch {
                    done(
                        .failure(
                            EgressError(message: "oauth: cannot store refreshed tokens: \(error)", code: "NET_ERROR")
                        )
                    )
                }
                return
            }
            let refusedCodes = ["invalid_grant", "invalid_client", "unauthorized_client", "invalid_request"]
            if response.status == 400 || response.status == 401 || answer.error.map(refusedCodes.contains) == true
                || (200..<300).contains(response.status)
            {
                return broke(
                    name,
                    provider: provider,
                    reason: "the provider refused the refresh (\(answer.errorText))",
                    done: done
                )
            }
            let reason = "refresh failed: the token endpoint answered \(response.status)"
            try? store.recordFailure(connection: name, error: reason, broken: false, now: now)
            done(.failure(EgressError(message: "oauth: \(reason)", code: "NET_ERROR")))
        }
    }

    /// Marks the connection broken, tells the owner, and fails the callers with `NET_AUTH`.
    private func broke(_ name: String, provider: OAuthProvider, reason: String, done: @escaping Completion) {
        try? store.recordFailure(connection: name, error: reason, broken: true, now: clock())
        let reconnect = "fazt connect add \(name) --provider \(provider.name)"
        notifyOwner(
            "OAuth connection \(name) is broken",
            "\(reason). Apps using it fail with NET_AUTH until you reconnect it: \(reconnect)"
        )
        done(
            .failure(
                Self.refused(
                    "oauth: the connection '\(name)' is broken (\(reason)); the owner reconnects it with '\(reconnect)'"
                )
            )
        )
    }
}

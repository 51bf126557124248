import FaztAPI
import FaztStore
import FaztVFS

/// OAuth clients, connections and pending authorizations in `data.db`.
///
/// Client secrets, access and refresh tokens and PKCE verifiers are sealed by `SecretBox`, each
/// bound to its row (the sealing context names the table and key), so a copy of `data.db` alone
/// reveals none of them and a sealed value cannot be moved to another row. A pending
/// authorization is stored under the SHA-256 of its `state` and deleted when it is used.
public struct OAuthStore: Sendable {
    /// How long an authorization link works.
    public static let stateLifetimeMs: Int64 = 10 * 60_000
    let store: Store
    let box: SecretBox

    /// A store over `store`, sealing with `box`.
    public init(store: Store, box: SecretBox) {
        self.store = store
        self.box = box
    }

    /// `name` when it is a valid provider or connection name (`google-work`), else an error.
    public static func validate(name: String, kind: String) throws -> String {
        let bytes = Array(name.utf8)
        func allowed(_ b: UInt8) -> Bool {
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 95
        }
        guard let first = bytes.first, first != 45, first != 95, bytes.count <= 63, bytes.allSatisfy(allowed) else {
            throw KernelError(
                .invalidArgument,
                "invalid \(kind) name '\(name)': use 1-63 letters, digits, '-' and '_', starting with a letter or digit"
            )
        }
        return name
    }

    // MARK: - Providers

    /// Stores (or replaces) a provider with its client secret sealed (blocking).
    public func addProvider(_ provider: OAuthProvider, clientSecret: String?) throws {
        let name = try Self.validate(name: provider.name, kind: "provider")
        let sealed = try clientSecret.map { try box.seal(Array($0.utf8), context: "oauth-client\u{0}\(name)") }
        let now = WallClock.nowMilliseconds()
        _ = try store.writeBlocking { connection in
            try connection.run(
                """
                INSERT OR REPLACE INTO oauth_providers (name, kind, client_id, client_secret, authorize_url, token_url,
                    revoke_url, scopes, pkce, api_hosts, auth_params, client_auth, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(name), .text(provider.kind), .text(provider.clientID), sealed.map { .blob($0) } ?? .null,
                    .text(provider.authorizeURL), .text(provider.tokenURL),
                    provider.revokeURL.map { .text($0) } ?? .null, .text(provider.scopes.joined(separator: " ")),
                    .integer(provider.pkce ? 1 : 0),
                    provider.apiHosts.map { .text($0.joined(separator: " ")) } ?? .null, .text(provider.authParams),
                    .text(provider.clientAuth.rawValue), .integer(now),
                ]
            )
        }
    }

    /// Removes a provider (blocking); false when there was none.
    ///
    /// Refused while connections use it.
    public func removeProvider(name: String) throws -> Bool {
        try store.writeBlocking { connection in
            let users = try connection.query(
                "SELECT name FROM oauth_connections WHERE provider = ? ORDER BY name",
                [.text(name)]
            ) { $0.string(0) }
            if let first = users.first {
                throw KernelError(
                    .invalidArgument,
                    "provider '\(name)' is used by connection '\(first)'; remove it first (fazt connect remove \(first))"
                )
            }
            return try connection.run("DELETE FROM oauth_providers WHERE name = ?", [.text(name)]) > 0
        }
    }

    /// Every provider, without secrets.
    public func providers() throws -> [OAuthProviderInfo] {
        try store.read { connection in
            try connection.query("SELECT \(Self.providerColumns) FROM oauth_providers ORDER BY name") {
                Self.info(Self.provider($0), hasSecret: !$0.isNull(3))
            }
        }
    }

    /// The provider `name` and its client secret (daemon use only), nil when there is none.
    public func provider(named name: String) throws -> (provider: OAuthProvider, clientSecret: String?)? {
        let row = try store.read { connection in
            try connection.queryOne(
                "SELECT \(Self.providerColumns) FROM oauth_providers WHERE name = ?",
                [.text(name)]
            ) { (Self.provider($0), $0.isNull(3) ? nil : $0.bytes(3)) }
        }
        guard let (provider, sealed) = row else { return nil }
        let secret = try sealed.map {
            String(decoding: try box.open($0, context: "oauth-client\u{0}\(name)"), as: UTF8.self)
        }
        return (provider, secret)
    }

    /// The provider `name` without opening its client secret (the per-call path), nil when there is none.
    public func settings(of name: String) throws -> OAuthProvider? {
        try store.read { connection in
            try connection.queryOne(
                "SELECT \(Self.providerColumns) FROM oauth_providers WHERE name = ?",
                [.text(name)],
                Self.provider
            )
        }
    }

    static let providerColumns = """
        name, kind, client_id, client_secret, authorize_url, token_url, revoke_url, scopes, pkce, api_hosts,
        auth_params, client_auth
        """

    static func provider(_ row: Row) -> OAuthProvider {
        OAuthProvider(
            name: row.string(0),
            kind: row.string(1),
            clientID: row.string(2),
            authorizeURL: row.string(4),
            tokenURL: row.string(5),
            revokeURL: row.optionalString(6),
            scopes: words(row.string(7)),
            pkce: row.int64(8) != 0,
            apiHosts: row.optionalString(9).map(words),
            authParams: row.string(10),
            clientAuth: OAuthProvider.ClientAuth(rawValue: row.string(11)) ?? .post
        )
    }

    static func info(_ provider: OAuthProvider, hasSecret: Bool) -> OAuthProviderInfo {
        OAuthProviderInfo(
            name: provider.name,
            preset: provider.kind,
            clientID: provider.clientID,
            hasClientSecret: hasSecret,
            authorizeURL: provider.authorizeURL,
            tokenURL: provider.tokenURL,
            revokeURL: provider.revokeURL,
            scopes: provider.scopes,
            pkce: provider.pkce,
            apiHosts: provider.apiHosts,
            clientAuth: provider.clientAuth.rawValue
        )
    }

    static func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    // MARK: - Pending authorizations

    /// A pending authorization, taken (and deleted) by the callback.
    public struct Pending: Sendable {
        public var connection: String
        /// The provider and scopes `fazt connect add` asked for (the connection takes them on success).
        public var provider: String
        public var scopes: [String]
        public var verifier: String
        public var redirectURI: String
        /// True when its ten minutes had passed.
        public var expired: Bool
    }

    /// Starts connecting `name` to `provider`: makes the connection row (`pending` unless it
    /// exists; a connection that is not pending keeps its provider, scopes and tokens until the
    /// new authorization succeeds) and a single-use state; returns the state and the PKCE verifier
    /// (blocking).
    public func start(
        name: String,
        provider: String,
        scopes: [String],
        redirectURI: String,
        now: Int64
    ) throws -> (state: String, verifier: String) {
        let state = OAuthPKCE.randomToken(bytes: 32)
        let verifier = OAuthPKCE.verifier()
        let hash = ContentHash(of: Array(state.utf8)).bytes
        let sealed = try box.seal(Array(verifier.utf8), context: "oauth-state\u{0}\(ContentHash(bytes: hash).hex)")
        _ = try store.writeBlocking { connection in
            _ = try connection.run("DELETE FROM oauth_states WHERE expires_at < ?", [.integer(now)])
            _ = try connection.run(
                """
                INSERT INTO oauth_connections (name, provider, scopes, status, created_at, updated_at)
                VALUES (?, ?, ?, 'pending', ?, ?)
                ON CONFLICT (name) DO UPDATE SET provider = excluded.provider, scopes = excluded.scopes,
                    updated_at = excluded.updated_at
                WHERE oauth_connections.status = 'pending'
                """,
                [.text(name), .text(provider), .text(scopes.joined(separator: " ")), .integer(now), .integer(now)]
            )
            _ = try connection.run(
                """
                INSERT INTO oauth_states (state_hash, connection, provider, scopes, verifier, redirect_uri,
                    created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .blob(hash), .text(name), .text(provider), .text(scopes.joined(separator: " ")), .blob(sealed),
                    .text(redirectURI), .integer(now), .integer(now + Self.stateLifetimeMs),
                ]
            )
        }
        return (state, verifier)
    }

    /// The pending authorization of `state`, deleted in the same transaction so it works once
    /// (blocking); nil when there is none (never issued, used already, or the connection was removed).
    public func take(state: String, now: Int64) throws -> Pending? {
        let hash = ContentHash(of: Array(state.utf8)).bytes
        let row = try store.writeBlocking { connection -> (String, [UInt8], String, Int64, String, String)? in
            let found = try connection.queryOne(
                """
                SELECT connection, verifier, redirect_uri, expires_at, provider, scopes
                FROM oauth_states WHERE state_hash = ?
                """,
                [.blob(hash)]
            ) { ($0.string(0), $0.bytes(1), $0.string(2), $0.int64(3), $0.string(4), $0.string(5)) }
            if found != nil { _ = try connection.run("DELETE FROM oauth_states WHERE state_hash = ?", [.blob(hash)]) }
            return found
        }
        guard let (name, sealed, redirectURI, expiresAt, provider, scopes) = row else { return nil }
        let verifier = try box.open(sealed, context: "oauth-state\u{0}\(ContentHash(bytes: hash).hex)")
        return Pending(
            connection: name,
            provider: provider,
            scopes: Self.words(scopes),
            verifier: String(decoding: verifier, as: UTF8.self),
            redirectURI: redirectURI,
            expired: expiresAt < now
        )
    }
}

import FaztAPI
import FaztStore

/// A connection's tokens, opened for the daemon's own use (never shown to anyone).
public struct OAuthTokens: Sendable {
    public var connection: String
    public var provider: String
    public var status: String
    public var accessToken: String?
    public var refreshToken: String?
    public var tokenType: String
    /// Epoch ms; nil when the provider gave no lifetime.
    public var expiresAt: Int64?
}

extension OAuthStore {
    static let connectionColumns = """
        name, provider, status, scopes, token_type, expires_at, last_used_at, last_error,
        refresh_token IS NOT NULL, created_at
        """

    static func connectionInfo(_ row: Row) -> ConnectionInfo {
        ConnectionInfo(
            name: row.string(0),
            provider: row.string(1),
            status: row.string(2),
            scopes: words(row.string(3)),
            tokenType: row.string(4),
            expiresAt: row.isNull(5) ? nil : row.int64(5),
            lastUsedAt: row.isNull(6) ? nil : row.int64(6),
            lastError: row.optionalString(7),
            hasRefreshToken: row.int64(8) != 0,
            createdAt: row.int64(9)
        )
    }

    /// Every connection, without tokens.
    public func connections() throws -> [ConnectionInfo] {
        try store.read { connection in
            try connection.query("SELECT \(Self.connectionColumns) FROM oauth_connections ORDER BY name") {
                Self.connectionInfo($0)
            }
        }
    }

    /// The connection `name`, without tokens; nil when there is none.
    public func connection(named name: String) throws -> ConnectionInfo? {
        try store.read { connection in
            try connection.queryOne(
                "SELECT \(Self.connectionColumns) FROM oauth_connections WHERE name = ?",
                [.text(name)],
                Self.connectionInfo
            )
        }
    }

    /// The connection's tokens, opened (blocking; daemon use only); nil when there is none.
    public func tokens(of name: String) throws -> OAuthTokens? {
        let row = try store.read { connection in
            try connection.queryOne(
                """
                SELECT provider, status, access_token, refresh_token, token_type, expires_at
                FROM oauth_connections WHERE name = ?
                """,
                [.text(name)]
            ) {
                (
                    $0.string(0), $0.string(1), $0.isNull(2) ? nil : $0.bytes(2), $0.isNull(3) ? nil : $0.bytes(3),
                    $0.string(4), $0.isNull(5) ? nil : $0.int64(5)
                )
            }
        }
        guard let (provider, status, access, refresh, tokenType, expiresAt) = row else { return nil }
        func open(_ sealed: [UInt8]?, _ kind: String) throws -> String? {
            try sealed.map { String(decoding: try box.open($0, context: "oauth-\(kind)\u{0}\(name)"), as: UTF8.self) }
        }
        return OAuthTokens(
            connection: name,
            provider: provider,
            status: status,
            accessToken: try open(access, "access"),
            refreshToken: try open(refresh, "refresh"),
            tokenType: tokenType,
            expiresAt: expiresAt
        )
    }

    /// Stores the tokens a token endpoint gave and marks the connection `ok` (blocking).
    ///
    /// A refresh answer without a new refresh token keeps the old one (RFC 6749 §6). `authorized`
    /// (after a code exchange) is the provider and scopes the authorization asked for.
    public func store(
        _ answer: OAuthTokenAnswer,
        connection name: String,
        now: Int64,
        authorized: (provider: String, scopes: [String])? = nil
    ) throws {
        guard let access = answer.accessToken else {
            throw KernelError(.invalidArgument, "the token endpoint gave no access_token")
        }
        let sealedAccess = try box.seal(Array(access.utf8), context: "oauth-access\u{0}\(name)")
        let sealedRefresh = try answer.refreshToken.map {
            try box.seal(Array($0.utf8), context: "oauth-refresh\u{0}\(name)")
        }
        let expiresAt = answer.expiresIn.map { now + $0 * 1000 }
        let granted = answer.scope.map { $0.replacingOccurrences(of: ",", with: " ") }
        let scopes = granted ?? authorized.map { $0.scopes.joined(separator: " ") }
        _ = try store.writeBlocking { connection in
            try connection.run(
                """
                UPDATE oauth_connections SET access_token = ?,
                    refresh_token = CASE WHEN ? THEN ? ELSE COALESCE(?, refresh_token) END,
                    token_type = ?, expires_at = ?, status = 'ok', last_error = NULL, updated_at = ?,
                    scopes = COALESCE(?, scopes), provider = COALESCE(?, provider)
                WHERE name = ?
                """,
                [
                    // A new authorization replaces the refresh token even with none; a refresh keeps it.
                    .blob(sealedAccess), .integer(authorized == nil ? 0 : 1), sealedRefresh.map { .blob($0) } ?? .null,
                    sealedRefresh.map { .blob($0) } ?? .null, .text(answer.authorizationScheme),
                    expiresAt.map { .integer($0) } ?? .null, .integer(now), scopes.map { .text($0) } ?? .null,
                    authorized.map { .text($0.provider) } ?? .null, .text(name),
                ]
            )
        }
    }

    /// Records a failure; `broken` marks the connection unusable until the owner reconnects (blocking).
    public func recordFailure(connection name: String, error: String, broken: Bool, now: Int64) throws {
        _ = try store.writeBlocking { connection in
            try connection.run(
                """
                UPDATE oauth_connections SET last_error = ?, updated_at = ?,
                    status = CASE WHEN ? THEN 'broken' ELSE status END
                WHERE name = ?
                """,
                [.text(String(error.prefix(500))), .integer(now), .integer(broken ? 1 : 0), .text(name)]
            )
        }
    }

    /// Notes that an app used the connection (blocking).
    public func touch(connection name: String, now: Int64) throws {
        _ = try store.writeBlocking { connection in
            try connection.run(
                "UPDATE oauth_connections SET last_used_at = ? WHERE name = ?",
                [.integer(now), .text(name)]
            )
        }
    }

    /// Deletes a connection and its pending authorizations (blocking); false when there was none.
    public func removeConnection(name: String) throws -> Bool {
        try store.writeBlocking { connection in
            _ = try connection.run("DELETE FROM oauth_states WHERE connection = ?", [.text(name)])
            return try connection.run("DELETE FROM oauth_connections WHERE name = ?", [.text(name)]) > 0
        }
    }

    /// True when the owner granted `app` the connection (`fazt grant APP connection:NAME`).
    public func isGranted(app: String, connection name: String) throws -> Bool {
        try store.read { connection in
            try connection.queryOne(
                "SELECT 1 FROM grants WHERE app = ? AND permission = ?",
                [.text(app), .text("connection:\(name)")]
            ) { _ in true } ?? false
        }
    }
}

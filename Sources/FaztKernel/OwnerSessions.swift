import FaztStore
import FaztVFS

/// Browser sessions of the owner on owner-only apps (`"access": "owner"`).
///
/// A session id is a random secret shown once, in the `fazt_session` cookie; only its SHA-256 is
/// stored, with the app it was created on, so a copied database yields no usable cookie and a
/// session of one app opens no other.
public struct OwnerSessions: Sendable {
    /// How long a session lasts, in milliseconds (30 days).
    public static let lifetimeMs: Int64 = 30 * 24 * 3600 * 1000

    let store: Store

    /// A session store over `store`.
    public init(store: Store) { self.store = store }

    static func hash(_ id: String) -> [UInt8] { ContentHash(of: Array(id.utf8)).bytes }

    /// Starts a session on `app` and returns its id (the cookie value), dropping expired sessions.
    public func create(app: String) throws -> String {
        let id = "fzs_" + Tokens.randomHex(bytes: 32)
        let now = WallClock.nowMilliseconds()
        let row: [SQLiteValue] = [.blob(Self.hash(id)), .text(app), .integer(now), .integer(now + Self.lifetimeMs)]
        _ = try store.writeBlocking { connection in
            try connection.run("DELETE FROM owner_sessions WHERE expires_at <= ?", [.integer(now)])
            return try connection.run(
                "INSERT INTO owner_sessions (hash, app, created_at, expires_at) VALUES (?, ?, ?, ?)",
                row
            )
        }
        return id
    }

    /// True when `id` names an unexpired session created on `app`.
    public func isValid(_ id: String, app: String) throws -> Bool {
        guard id.hasPrefix("fzs_"), id.utf8.count < 200 else { return false }
        let values: [SQLiteValue] = [.blob(Self.hash(id)), .text(app), .integer(WallClock.nowMilliseconds())]
        return try store.read { connection in
            try connection.queryOne(
                "SELECT 1 FROM owner_sessions WHERE hash = ? AND app = ? AND expires_at > ?",
                values
            ) { _ in true } ?? false
        }
    }
}

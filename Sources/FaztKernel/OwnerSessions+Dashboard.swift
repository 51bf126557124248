import FaztStore
import FaztVFS

/// The owner's sessions on the dashboard (the bare domain), next to those of owner-only apps.
///
/// A dashboard session is a row with the empty app name. Its CSRF token is derived from the
/// session's secret (`csrfToken(for:)`), so nothing more is stored: a page learns it from
/// `GET /_fazt/session` (same origin only), and every write must send it back in a header.
extension OwnerSessions {
    /// The `app` of dashboard sessions (no app can have an empty name).
    public static let dashboard = ""

    /// A session as listed: a short id (the start of its hash), where it opens, and its times.
    public struct Listed: Codable, Sendable, Equatable {
        public var id: String
        /// The app it opens; nil for the dashboard.
        public var app: String?
        public var createdAt: Int64
        public var expiresAt: Int64
        public var current: Bool?
    }

    /// The CSRF token of session `id`: not the cookie's value, and only computable from it.
    public static func csrfToken(for id: String) -> String {
        "fzc_" + ContentHash(of: Array("csrf\u{0}\(id)".utf8)).hex.prefix(40)
    }

    /// The short id of session `id` as listed.
    public static func listedID(of id: String) -> String {
        OwnerSessions.hash(id).prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    /// Every unexpired session, newest first; blocking.
    public func list() throws -> [Listed] {
        let now = WallClock.nowMilliseconds()
        return try store.read { connection in
            try connection.query(
                "SELECT hash, app, created_at, expires_at FROM owner_sessions WHERE expires_at > ? ORDER BY created_at DESC",
                [.integer(now)]
            ) { row in
                let app = row.string(1)
                return Listed(
                    id: row.bytes(0).prefix(6).map { String(format: "%02x", $0) }.joined(),
                    app: app == Self.dashboard ? nil : app,
                    createdAt: row.int64(2),
                    expiresAt: row.int64(3)
                )
            }
        }
    }

    /// Ends the session whose listed id is `id`; false when none matched; blocking.
    public func revoke(listedID id: String) throws -> Bool {
        guard id.count == 12, let prefix = SecretBox.bytes(hex: id) else { return false }
        let hashes = try store.read { connection in
            try connection.query("SELECT hash FROM owner_sessions") { $0.bytes(0) }
        }
        guard let hash = hashes.first(where: { Array($0.prefix(6)) == prefix }) else { return false }
        return try store.writeBlocking { connection in
            try connection.run("DELETE FROM owner_sessions WHERE hash = ?", [.blob(hash)])
        } > 0
    }

    /// Ends session `id` (signing out); blocking.
    public func end(_ id: String) throws {
        _ = try store.writeBlocking { connection in
            try connection.run("DELETE FROM owner_sessions WHERE hash = ?", [.blob(Self.hash(id))])
        }
    }

    /// Ends every session (dashboard and apps); returns how many; blocking.
    public func revokeAll() throws -> Int {
        try store.writeBlocking { connection in try connection.run("DELETE FROM owner_sessions") }
    }
}

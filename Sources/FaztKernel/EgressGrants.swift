import FaztStore

/// Hosts the owner lets an app's `fetch` reach (`fazt net allow`), on top of its manifest's `egress`.
public struct EgressGrants: Sendable {
    let store: Store

    /// A grant store over `store`.
    public init(store: Store) { self.store = store }

    /// The app's granted host patterns, sorted.
    public func list(app: String) throws -> [String] {
        try store.read { connection in
            try connection.query("SELECT host FROM egress_grants WHERE app = ? ORDER BY host", [.text(app)]) {
                $0.string(0)
            }
        }
    }

    /// Grants `host` (a validated pattern); granting it again changes nothing.
    public func allow(app: String, host: String) async throws {
        let now = WallClock.nowMilliseconds()
        _ = try await store.write { connection in
            try connection.run(
                "INSERT INTO egress_grants (app, host, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [.text(app), .text(host), .integer(now)]
            )
        }
    }

    /// Removes a grant; false when there was none.
    public func remove(app: String, host: String) async throws -> Bool {
        try await store.write {
            try $0.run("DELETE FROM egress_grants WHERE app = ? AND host = ?", [.text(app), .text(host)]) > 0
        }
    }
}

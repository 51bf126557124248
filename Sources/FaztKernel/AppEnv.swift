import FaztStore

/// Owner-set environment values of apps (`fazt env set`); `fazt.env.get` sees them at once.
public struct AppEnv: Sendable {
    static let maxValueBytes = 64 * 1024
    let store: Store

    /// An env store over `store`.
    public init(store: Store) { self.store = store }

    /// `key` when it is `[A-Za-z_][A-Za-z0-9_]{0,127}`, else an `invalidArgument` error.
    public static func validate(key: String) throws -> String {
        try Identifier.checked(key, maxBytes: 128, kind: "env key")
    }

    /// Every key of `app` with its value.
    public func list(app: String) throws -> [String: String] {
        let pairs = try store.read { connection in
            try connection.query("SELECT key, value FROM env WHERE app = ? ORDER BY key", [.text(app)]) {
                ($0.string(0), $0.string(1))
            }
        }
        return Dictionary(pairs, uniquingKeysWith: { _, last in last })
    }

    /// Sets (or replaces) a key; values are limited to 64 KB.
    public func set(app: String, key: String, value: String) async throws {
        guard value.utf8.count <= Self.maxValueBytes else {
            throw KernelError(.tooLarge, "env values are limited to 64 KB")
        }
        let now = WallClock.nowMilliseconds()
        _ = try await store.write { connection in
            try connection.run(
                "INSERT INTO env (app, key, value, updated_at) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (app, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                [.text(app), .text(key), .text(value), .integer(now)]
            )
        }
    }

    /// Removes a key; false when it was not set.
    public func unset(app: String, key: String) async throws -> Bool {
        try await store.write { try $0.run("DELETE FROM env WHERE app = ? AND key = ?", [.text(app), .text(key)]) > 0 }
    }
}

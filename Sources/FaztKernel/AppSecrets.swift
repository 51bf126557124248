import FaztAPI
import FaztStore

/// Owner-set secrets of apps (`fazt secret set`), encrypted at rest by `SecretBox`.
///
/// They are used
/// by the daemon (webhook signatures) and never reach JavaScript, logs or API answers.
public struct AppSecrets: Sendable {
    static let maxValueBytes = 16 << 10
    let store: Store
    let box: SecretBox

    /// A secret store over `store`, sealing values with `box`.
    public init(store: Store, box: SecretBox) {
        self.store = store
        self.box = box
    }

    /// `name` when it is `[A-Za-z_][A-Za-z0-9_]{0,63}`, else an `invalidArgument` error.
    public static func validate(name: String) throws -> String {
        try Identifier.checked(name, maxBytes: 64, kind: "secret name")
    }

    /// Seals and stores a secret (blocking), replacing any value of the same name.
    public func set(app: String, name: String, value: String) throws {
        guard !value.isEmpty, value.utf8.count <= Self.maxValueBytes else {
            throw KernelError(.invalidArgument, "a secret must be 1 byte to \(Self.maxValueBytes >> 10) KB")
        }
        let sealed = try box.seal(Array(value.utf8), context: "\(app)\u{0}\(name)")
        let now = WallClock.nowMilliseconds()
        _ = try store.writeBlocking { connection in
            try connection.run(
                """
                INSERT INTO secrets (app, name, value, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (app, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """,
                [.text(app), .text(name), .blob(sealed), .integer(now)]
            )
        }
    }

    /// Removes a secret (blocking); false when it was not set.
    public func unset(app: String, name: String) throws -> Bool {
        try store.writeBlocking {
            try $0.run("DELETE FROM secrets WHERE app = ? AND name = ?", [.text(app), .text(name)]) > 0
        }
    }

    /// Names and update times of `app`'s secrets; never their values.
    public func list(app: String) throws -> [SecretList.Item] {
        try store.read { connection in
            try connection.query("SELECT name, updated_at FROM secrets WHERE app = ? ORDER BY name", [.text(app)]) {
                SecretList.Item(name: $0.string(0), updatedAt: $0.int64(1))
            }
        }
    }

    /// The plaintext of a secret, nil when it is not set (blocking; daemon use only).
    public func value(app: String, name: String) throws -> [UInt8]? {
        let sealed = try store.read { connection in
            try connection.queryOne("SELECT value FROM secrets WHERE app = ? AND name = ?", [.text(app), .text(name)]) {
                $0.bytes(0)
            }
        }
        return try sealed.map { try box.open($0, context: "\(app)\u{0}\(name)") }
    }

    /// Deletes every secret of `app` inside the caller's transaction (app deletion).
    public static func deleteAll(_ connection: Connection, app: String) throws {
        _ = try connection.run("DELETE FROM secrets WHERE app = ?", [.text(app)])
    }
}

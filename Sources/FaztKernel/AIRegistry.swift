import FaztAPI
import FaztStore

/// The owner's language-model providers and model aliases (`fazt ai provider|model`).
///
/// Provider keys are sealed by the same `SecretBox` as app secrets and leave this type only
/// through `credentials(provider:)`, for the daemon's own requests: never in a list, an error or
/// a log line.
public struct AIRegistry: Sendable {
    /// The longest key accepted.
    static let maxKeyBytes = 8 << 10
    let store: Store
    let box: SecretBox

    /// A registry over `store`, sealing keys with `box`.
    public init(store: Store, box: SecretBox) {
        self.store = store
        self.box = box
    }

    /// A registry that shares the app secrets' database and key.
    public init(sharingKeyOf secrets: AppSecrets) {
        self.init(store: secrets.store, box: secrets.box)
    }

    /// What a provider request needs: where to send it and the key (blocking; daemon use only).
    public struct Credentials: Sendable {
        public var name: String
        public var type: AIProviderType
        public var baseURL: String
        /// The plaintext key; nil when none is stored.
        public var key: String?
    }

    /// Adds a provider, or replaces the one of the same name (blocking); returns what was stored.
    @discardableResult
    public func addProvider(name: String, type: String, baseURL: String?, key: String?) throws -> AIProviderBody {
        let name = try AINames.checked(name, kind: "provider name")
        let type = try AIProviderType.checked(type)
        let url = try AINames.baseURL(baseURL, type: type)
        var sealed: [UInt8]?
        if let key, !key.isEmpty {
            guard key.utf8.count <= Self.maxKeyBytes, !key.utf8.contains(where: { $0 < 32 || $0 == 127 }) else {
                // The key itself is never echoed.
                throw KernelError(
                    .invalidArgument,
                    "the key must be one line of at most \(Self.maxKeyBytes >> 10) KB without control characters"
                )
            }
            sealed = try box.seal(Array(key.utf8), context: Self.sealContext(name))
        }
        let now = WallClock.nowMilliseconds()
        let keyValue: SQLiteValue = sealed.map { .blob($0) } ?? .null
        try store.writeBlocking { connection in
            _ = try connection.run(
                """
                INSERT INTO ai_providers (name, type, base_url, key, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET type = excluded.type, base_url = excluded.base_url, key = excluded.key
                """,
                [.text(name), .text(type.rawValue), .text(url), keyValue, .integer(now)]
            )
        }
        guard let stored = try provider(name) else { throw KernelError(.invalidArgument, "provider \(name) vanished") }
        return stored
    }

    /// Every provider, by name; never a key.
    public func providers() throws -> [AIProviderBody] {
        try store.read { connection in
            try connection.query(
                "SELECT name, type, base_url, key IS NOT NULL, created_at FROM ai_providers ORDER BY name"
            ) {
                AIProviderBody(
                    name: $0.string(0),
                    type: $0.string(1),
                    baseURL: $0.string(2),
                    keySet: $0.int(3) != 0,
                    createdAt: $0.int64(4)
                )
            }
        }
    }

    /// One provider, nil when there is none of that name.
    public func provider(_ name: String) throws -> AIProviderBody? {
        try providers().first { $0.name == name }
    }

    /// Removes a provider (blocking); false when there was none.
    ///
    /// Refused while models use it.
    public func removeProvider(_ name: String) throws -> Bool {
        try store.writeBlocking { connection in
            let users = try connection.query(
                "SELECT alias FROM ai_models WHERE provider = ? ORDER BY alias",
                [.text(name)]
            ) { $0.string(0) }
            guard users.isEmpty else {
                throw KernelError(
                    .invalidArgument,
                    "provider \(name) is used by the models \(users.joined(separator: ", ")): "
                        + "remove them first with 'fazt ai model remove ALIAS'"
                )
            }
            return try connection.run("DELETE FROM ai_providers WHERE name = ?", [.text(name)]) > 0
        }
    }

    /// The provider's URL, type and plaintext key; nil when there is no such provider.
    public func credentials(provider name: String) throws -> Credentials? {
        let row = try store.read { connection in
            try connection.queryOne("SELECT type, base_url, key FROM ai_providers WHERE name = ?", [.text(name)]) {
                ($0.string(0), $0.string(1), $0.optionalBytes(2))
            }
        }
        guard let (typeName, url, sealed) = row else { return nil }
        let type = try AIProviderType.checked(typeName)
        let key = try sealed.map { String(decoding: try box.open($0, context: Self.sealContext(name)), as: UTF8.self) }
        return Credentials(name: name, type: type, baseURL: url, key: key)
    }

    // The name is authenticated with the key, so a sealed key cannot be moved to another provider
    // (or to a secret: app names, which start those contexts, have no ':').
    static func sealContext(_ name: String) -> String { "ai:provider\u{0}\(name)" }
}

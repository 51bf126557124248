import FaztAPI
import FaztNet
import FaztStore

/// Owner-set secrets (`fazt secret set`), encrypted at rest by `SecretBox`.
///
/// A secret belongs to one app, or to every app when it is global (stored under the app name
/// `*`, which no app can have). The daemon fills secrets into an app's outbound requests
/// (`fetch(url, {auth})`, `{{secret:NAME}}`), signs and verifies with them, and checks webhook
/// signatures; JavaScript reads a value only when the owner marked it readable. A secret bound to
/// hosts is sent to those hosts only.
public struct AppSecrets: Sendable {
    static let maxValueBytes = 16 << 10
    /// The app name global secrets are stored under.
    public static let globalScope = "*"
    let store: Store
    let box: SecretBox

    /// A secret with what the owner said about its use.
    public struct Secret: Sendable {
        public var name: String
        /// The app it belongs to, or `*` for a global secret.
        public var scope: String
        public var value: [UInt8]
        /// The hosts it may be sent to; nil: any host the app may reach.
        public var hosts: HostAllowlist?
        /// Whether `fazt.secrets.get` may return it to JavaScript.
        public var readable: Bool
    }

    /// A secret store over `store`, sealing values with `box`.
    public init(store: Store, box: SecretBox) {
        self.store = store
        self.box = box
    }

    /// `name` when it is `[A-Za-z_][A-Za-z0-9_]{0,63}`, else an `invalidArgument` error.
    public static func validate(name: String) throws -> String {
        try Identifier.checked(name, maxBytes: 64, kind: "secret name")
    }

    /// `hosts` when each is a valid host pattern (as in a manifest's `egress`), else an error naming it.
    public static func validate(hosts: [String]) throws -> [String] {
        guard hosts.count <= HostAllowlist.maxEntries else {
            throw KernelError(.invalidArgument, "a secret may be bound to at most \(HostAllowlist.maxEntries) hosts")
        }
        for host in hosts {
            if let problem = HostAllowlist.problem(with: host) {
                throw KernelError(.invalidArgument, "host \"\(host)\" \(problem)")
            }
        }
        return hosts
    }

    /// Seals and stores a secret (blocking), replacing any value of the same name.
    ///
    /// `app` is `*` for a global secret; `hosts` binds it (nil or empty: unbound).
    public func set(
        app: String,
        name: String,
        value: String,
        hosts: [String]? = nil,
        readable: Bool = false
    )
        throws
    {
        guard !value.isEmpty, value.utf8.count <= Self.maxValueBytes else {
            throw KernelError(.invalidArgument, "a secret must be 1 byte to \(Self.maxValueBytes >> 10) KB")
        }
        let bound = try hosts.flatMap { $0.isEmpty ? nil : try Self.validate(hosts: $0).joined(separator: " ") }
        let sealed = try box.seal(Array(value.utf8), context: "\(app)\u{0}\(name)")
        let now = WallClock.nowMilliseconds()
        _ = try store.writeBlocking { connection in
            try connection.run(
                """
                INSERT INTO secrets (app, name, value, updated_at, hosts, readable) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (app, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
                    hosts = excluded.hosts, readable = excluded.readable
                """,
                [
                    .text(app), .text(name), .blob(sealed), .integer(now), bound.map { .text($0) } ?? .null,
                    .integer(readable ? 1 : 0),
                ]
            )
        }
    }

    /// Removes a secret (blocking); false when it was not set.
    public func unset(app: String, name: String) throws -> Bool {
        try store.writeBlocking {
            try $0.run("DELETE FROM secrets WHERE app = ? AND name = ?", [.text(app), .text(name)]) > 0
        }
    }

    /// Names, bindings and update times of `app`'s secrets (`*`: the global ones); never their values.
    public func list(app: String) throws -> [SecretList.Item] {
        try store.read { connection in
            try connection.query(
                "SELECT name, updated_at, hosts, readable FROM secrets WHERE app = ? ORDER BY name",
                [.text(app)]
            ) {
                SecretList.Item(
                    name: $0.string(0),
                    updatedAt: $0.int64(1),
                    hosts: $0.isNull(2) ? nil : $0.string(2).split(separator: " ").map(String.init),
                    readable: $0.int64(3) != 0
                )
            }
        }
    }

    /// The plaintext of `app`'s own secret, nil when it is not set (blocking; daemon use only).
    public func value(app: String, name: String) throws -> [UInt8]? {
        try secret(scope: app, name: name)?.value
    }

    /// The secret `name` as `app` sees it: its own, else the global one of that name (blocking).
    public func resolve(app: String, name: String) throws -> Secret? {
        if let own = try secret(scope: app, name: name) { return own }
        return try secret(scope: Self.globalScope, name: name)
    }

    private func secret(scope: String, name: String) throws -> Secret? {
        let row = try store.read { connection in
            try connection.queryOne(
                "SELECT value, hosts, readable FROM secrets WHERE app = ? AND name = ?",
                [.text(scope), .text(name)]
            ) { ($0.bytes(0), $0.isNull(1) ? nil : $0.string(1), $0.int64(2) != 0) }
        }
        guard let (sealed, hosts, readable) = row else { return nil }
        return Secret(
            name: name,
            scope: scope,
            value: try box.open(sealed, context: "\(scope)\u{0}\(name)"),
            hosts: hosts.map { HostAllowlist($0.split(separator: " ").map(String.init)) },
            readable: readable
        )
    }

    /// Deletes every secret of `app` inside the caller's transaction (app deletion).
    public static func deleteAll(_ connection: Connection, app: String) throws {
        _ = try connection.run("DELETE FROM secrets WHERE app = ?", [.text(app)])
    }
}

import FaztAPI
import FaztStore
import FaztVFS
import Synchronization

/// Tokens: creation, listing, revocation and verification against stored hashes.
///
/// A token is `fzt_` + 48 random hex digits + an 8-digit checksum (the first four bytes of the
/// SHA-256 of what precedes it), so a leaked token can be recognised offline; tokens made before
/// the checksum (52 characters) still verify. Only the SHA-256 of the whole token is stored.
public final class Tokens: Sendable {
    let store: Store
    /// When each token's `last_used_at` was last written (ms), so a busy token writes once a minute.
    private let lastUseWritten = Mutex([String: Int64]())
    private let clock: @Sendable () -> Int64

    public init(store: Store, clock: (@Sendable () -> Int64)? = nil) {
        self.store = store
        self.clock = clock ?? { WallClock.nowMilliseconds() }
    }

    /// The longest lifetime of a scoped token, and the default one.
    public static let maxScopedLifetimeMs: Int64 = 90 * 86_400_000
    public static let defaultScopedLifetimeMs: Int64 = 7 * 86_400_000

    static func hash(_ token: String) -> [UInt8] { ContentHash(of: Array(token.utf8)).bytes }

    /// `count` random bytes from the system CSPRNG, as lowercase hex.
    public static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return ContentHash(bytes: bytes).hex
    }

    /// The 8 hex digits that end a token whose first 52 characters are `body`.
    static func checksum(_ body: Substring) -> String {
        String(ContentHash(of: Array(body.utf8)).hex.prefix(8))
    }

    /// True when `token` has the shape of a Fazt token: the current form with a matching checksum,
    /// or the older form without one.
    public static func isWellFormed(_ token: String) -> Bool {
        guard token.hasPrefix("fzt_"), token.utf8.dropFirst(4).allSatisfy(isHexDigit) else {
            return false
        }
        switch token.utf8.count {
        case 52: return true
        case 60: return checksum(token.prefix(52)) == token.suffix(8)
        default: return false
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    /// Creates an owner token; returns the secret (shown once) and its record.
    public func create(name: String) throws -> (token: String, info: TokenInfo) {
        try create(name: name, grant: nil)
    }

    /// Creates a token: an owner token when `grant` is nil, else a scoped one (apps, scopes, expiry).
    public func create(name: String, grant: TokenGrant?) throws -> (token: String, info: TokenInfo) {
        let body = "fzt_" + Self.randomHex(bytes: 24)
        let token = body + Self.checksum(Substring(body))
        var info = TokenInfo(id: "tok_" + Self.randomHex(bytes: 4), name: name, createdAt: clock())
        if let grant {
            info.apps = grant.apps
            info.scopes = grant.scopes.map(\.rawValue)
            info.expiresAt = grant.expiresAt
        }
        let hash = Self.hash(token)
        _ = try store.writeBlocking { [info] connection in
            try connection.run(
                "INSERT INTO tokens (id, name, hash, created_at, apps, scopes, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(info.id), .text(info.name), .blob(hash), .integer(info.createdAt),
                    info.apps.map { .text($0.joined(separator: ",")) } ?? .null,
                    info.scopes.map { .text($0.joined(separator: ",")) } ?? .null,
                    info.expiresAt.map { .integer($0) } ?? .null,
                ]
            )
        }
        return (token, info)
    }

    private static let columns = "id, name, created_at, apps, scopes, expires_at, last_used_at"

    private static func info(_ row: Row) -> TokenInfo {
        TokenInfo(
            id: row.string(0),
            name: row.string(1),
            createdAt: row.int64(2),
            apps: row.optionalString(3).map { $0.split(separator: ",").map(String.init) },
            scopes: row.optionalString(4).map { $0.split(separator: ",").map(String.init) },
            expiresAt: row.isNull(5) ? nil : row.int64(5),
            lastUsedAt: row.isNull(6) ? nil : row.int64(6)
        )
    }

    /// Every token, oldest first.
    public func list() throws -> [TokenInfo] {
        try store.read { connection in
            try connection.query("SELECT \(Self.columns) FROM tokens ORDER BY created_at, id", [], Self.info)
        }
    }

    /// Deletes the token with `id`; false when there is none.
    @discardableResult
    public func revoke(id: String) throws -> Bool {
        try store.writeBlocking { try $0.run("DELETE FROM tokens WHERE id = ?", [.text(id)]) > 0 }
    }

    /// The token's record when `token` is valid and not expired.
    public func verify(_ token: String) throws -> TokenInfo? {
        guard Self.isWellFormed(token) else { return nil }
        let hash = Self.hash(token)
        let found = try store.read { connection in
            try connection.queryOne("SELECT \(Self.columns) FROM tokens WHERE hash = ?", [.blob(hash)], Self.info)
        }
        guard let info = found else { return nil }
        let now = clock()
        if let expiresAt = info.expiresAt, expiresAt <= now { return nil }
        noteUse(info.id, at: now)
        return info
    }

    /// Records `last_used_at` without waiting, at most once a minute per token.
    private func noteUse(_ id: String, at now: Int64) {
        let due = lastUseWritten.withLock { written -> Bool in
            if let last = written[id], now - last < 60_000 { return false }
            if written.count > 4096 { written.removeAll() }
            written[id] = now
            return true
        }
        guard due else { return }
        store.apply(
            { connection in
                try connection.run("UPDATE tokens SET last_used_at = ? WHERE id = ?", [.integer(now), .text(id)])
            },
            applied: { _, _ in }
        )
    }

    /// How many tokens exist.
    public func count() throws -> Int {
        try store.read { try $0.queryOne("SELECT COUNT(*) FROM tokens") { $0.int(0) } ?? 0 }
    }
}

/// What a scoped token is given: apps (`*` for all), scopes and an expiry.
public struct TokenGrant: Sendable, Equatable {
    public var apps: [String]
    public var scopes: [TokenScope]
    public var expiresAt: Int64

    /// Checks the request: at least one app and one scope, app names valid, lifetime within 90 days.
    public init(apps: [String], scopes: [TokenScope], lifetimeMs: Int64?, now: Int64) throws(KernelError) {
        guard !apps.isEmpty else {
            throw KernelError(.invalidArgument, "a scoped token needs apps: name them (--app NAME) or give '*' for all")
        }
        var names: [String] = []
        for app in apps {
            if app == "*" {
                names = ["*"]
                break
            }
            do {
                names.append(try AppName.validate(app))
            } catch {
                throw KernelError(.invalidArgument, error.message)
            }
        }
        guard !scopes.isEmpty else {
            throw KernelError(.invalidArgument, "a scoped token needs scopes: give --preset read|build|ship or --scope")
        }
        let lifetime = lifetimeMs ?? Tokens.defaultScopedLifetimeMs
        guard lifetime > 0, lifetime <= Tokens.maxScopedLifetimeMs else {
            throw KernelError(.invalidArgument, "a scoped token lives from 1 second to 90 days")
        }
        self.apps = names
        self.scopes = scopes
        self.expiresAt = now + lifetime
    }
}

extension TokenInfo {
    /// The scopes granted, with the ones they include.
    public var grantedScopes: Set<TokenScope> {
        guard let scopes else { return Set(TokenScope.allCases) }
        return scopes.compactMap(TokenScope.init(rawValue:)).reduce(into: []) { $0.formUnion($1.included) }
    }

    /// True when the token reaches `app` (owner tokens and `*` reach every app).
    public func reaches(app: String) -> Bool {
        guard let apps else { return true }
        return apps.contains("*") || apps.contains(app.lowercased())
    }

    /// True when the token may use `scope` on `app` (nil: an action on no particular app).
    public func allows(_ scope: TokenScope, app: String?) -> Bool {
        guard !isOwner else { return true }
        guard grantedScopes.contains(scope) else { return false }
        return app.map { reaches(app: $0) } ?? true
    }
}

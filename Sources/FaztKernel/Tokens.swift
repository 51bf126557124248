import FaztAPI
import FaztStore
import FaztVFS

/// Owner tokens: creation, listing, revocation and verification against stored hashes.
public struct Tokens: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    static func hash(_ token: String) -> [UInt8] { ContentHash(of: Array(token.utf8)).bytes }

    /// `count` random bytes from the system CSPRNG, as lowercase hex.
    public static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return ContentHash(bytes: bytes).hex
    }

    /// Creates a token; returns the secret (shown once) and its record.
    public func create(name: String) throws -> (token: String, info: TokenInfo) {
        let token = "fzt_" + Self.randomHex(bytes: 24)
        let info = TokenInfo(id: "tok_" + Self.randomHex(bytes: 4), name: name, createdAt: WallClock.nowMilliseconds())
        let hash = Self.hash(token)
        _ = try store.writeBlocking { connection in
            try connection.run(
                "INSERT INTO tokens (id, name, hash, created_at) VALUES (?, ?, ?, ?)",
                [.text(info.id), .text(info.name), .blob(hash), .integer(info.createdAt)]
            )
        }
        return (token, info)
    }

    /// Every token, oldest first.
    public func list() throws -> [TokenInfo] {
        try store.read { connection in
            try connection.query("SELECT id, name, created_at FROM tokens ORDER BY created_at, id") { row in
                TokenInfo(id: row.string(0), name: row.string(1), createdAt: row.int64(2))
            }
        }
    }

    /// Deletes the token with `id`; false when there is none.
    @discardableResult
    public func revoke(id: String) throws -> Bool {
        try store.writeBlocking { try $0.run("DELETE FROM tokens WHERE id = ?", [.text(id)]) > 0 }
    }

    /// The token's record when `token` is valid.
    public func verify(_ token: String) throws -> TokenInfo? {
        guard token.hasPrefix("fzt_"), token.utf8.count < 200 else { return nil }
        let hash = Self.hash(token)
        return try store.read { connection in
            try connection.queryOne("SELECT id, name, created_at FROM tokens WHERE hash = ?", [.blob(hash)]) { row in
                TokenInfo(id: row.string(0), name: row.string(1), createdAt: row.int64(2))
            }
        }
    }

    /// How many tokens exist.
    public func count() throws -> Int {
        try store.read { try $0.queryOne("SELECT COUNT(*) FROM tokens") { $0.int(0) } ?? 0 }
    }
}

import CCrypto
import FaztStore
import Foundation

/// The owner's dashboard password, kept as an scrypt hash (libcrypto's `EVP_PBE_scrypt`) in the
/// `settings` row `owner.password`: `scrypt$<log2 N>$<r>$<p>$<salt hex>$<hash hex>`.
///
/// The cost (N = 2^15, r = 8, p = 1: 32 MiB and ~0.1 s) makes a stolen database slow to attack;
/// checks compare in constant time and run off the event loops.
public struct OwnerPassword: Sendable {
    static let settingsKey = "owner.password"
    static let logN = 15
    static let blockSize = 8
    static let parallelism = 1
    static let hashBytes = 32
    /// Shorter passwords are refused: a dashboard on the internet meets guessing.
    public static let minimumLength = 10
    /// Longer input is refused before hashing (a cheap way to burn CPU otherwise).
    public static let maximumLength = 1024

    let store: Store

    public init(store: Store) { self.store = store }

    /// Sets (or replaces) the password; blocking.
    public func set(_ password: String) throws {
        let length = password.count
        guard length >= Self.minimumLength else {
            throw KernelError(
                .invalidArgument,
                "the password is too short: use at least \(Self.minimumLength) characters (a passphrase of a few words is best)"
            )
        }
        guard password.utf8.count <= Self.maximumLength else {
            throw KernelError(.invalidArgument, "the password is longer than \(Self.maximumLength) bytes")
        }
        var salt = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&salt, Int32(salt.count)) == 1 else { throw KernelError(.secret, "no randomness available") }
        let hash = try Self.scrypt(password, salt: salt, logN: Self.logN, r: Self.blockSize, p: Self.parallelism)
        let record = "scrypt$\(Self.logN)$\(Self.blockSize)$\(Self.parallelism)$\(Self.hex(salt))$\(Self.hex(hash))"
        _ = try store.writeBlocking { connection in
            try connection.run(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(Self.settingsKey), .text(record)]
            )
        }
    }

    /// Whether a password was set; blocking.
    public func isSet() throws -> Bool { try stored() != nil }

    /// Whether `password` is the owner's (false when none is set); blocking, ~0.1 s.
    public func verify(_ password: String) throws -> Bool {
        guard !password.isEmpty, password.utf8.count <= Self.maximumLength, let record = try stored() else {
            return false
        }
        let parts = record.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), let r = Int(parts[2]),
            let p = Int(parts[3]), (10...20).contains(logN), let salt = SecretBox.bytes(hex: parts[4]),
            let expected = SecretBox.bytes(hex: parts[5])
        else {
            throw KernelError(.secret, "the stored owner password is damaged: set it again with 'fazt owner password'")
        }
        let hash = try Self.scrypt(password, salt: salt, logN: logN, r: r, p: p)
        return SecretBox.constantTimeEqual(hash, expected)
    }

    /// Removes the password (sign-in then needs a token link again); blocking.
    public func clear() throws {
        _ = try store.writeBlocking { connection in
            try connection.run("DELETE FROM settings WHERE key = ?", [.text(Self.settingsKey)])
        }
    }

    private func stored() throws -> String? {
        try store.read { connection in
            try connection.queryOne("SELECT value FROM settings WHERE key = ?", [.text(Self.settingsKey)]) {
                $0.string(0)
            }
        }
    }

    static func scrypt(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: hashBytes)
        // N·r·128 bytes of memory, plus headroom.
        let maxMemory = UInt64(1 << logN) * UInt64(r) * 128 + (1 << 20)
        // The String is passed as its NUL-terminated UTF-8; the length given excludes the NUL.
        let done = EVP_PBE_scrypt(
            password,
            password.utf8.count,
            salt,
            salt.count,
            UInt64(1 << logN),
            UInt64(r),
            UInt64(p),
            maxMemory,
            &out,
            out.count
        )
        guard done == 1 else { throw KernelError(.secret, "scrypt failed") }
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

import CCrypto
import Foundation
import Glibc

/// Encrypts owner secrets at rest (AES-256-GCM).
///
/// The key is kept outside `data.db`: the
/// `FAZT_SECRET_KEY` environment variable (64 hex digits) or the file `fazt.key` beside the
/// database, created (mode 0600) on first use. A copy of `data.db` alone reveals no secret.
public final class SecretBox: Sendable {
    private let key: [UInt8]

    /// Loads the key from `FAZT_SECRET_KEY` or `fazt.key` beside `databasePath`, creating the file
    /// when neither exists.
    public init(databasePath: String) throws {
        if let hex = ProcessInfo.processInfo.environment["FAZT_SECRET_KEY"] {
            guard let bytes = Self.bytes(hex: hex), bytes.count == 32 else {
                throw KernelError(.secret, "FAZT_SECRET_KEY must be 64 hex digits (32 bytes)")
            }
            key = bytes
            return
        }
        let path = URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("fazt.key")
            .path
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw KernelError(.secret, "\(path) must hold exactly 32 bytes") }
            key = Array(data)
            return
        }
        let fresh = try Self.random(32)
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw KernelError(.secret, "cannot create \(path): errno \(errno)") }
        defer { close(descriptor) }
        guard write(descriptor, fresh, fresh.count) == fresh.count, fsync(descriptor) == 0 else {
            throw KernelError(.secret, "cannot write \(path): errno \(errno)")
        }
        key = fresh
    }

    /// A key for another purpose derived from this one (HMAC-SHA256 of `purpose`): the key itself
    /// never leaves this type.
    public func derivedKey(purpose: String) -> [UInt8] {
        Self.hmacSHA256(key: key, message: Array("fazt-derived-key:\(purpose)".utf8))
    }

    /// Encrypts `plaintext` as `nonce (12) ‖ ciphertext ‖ tag (16)`.
    ///
    /// `context` (e.g. app and name) is authenticated too, so a value cannot be moved to another
    /// row.
    public func seal(_ plaintext: [UInt8], context: String) throws -> [UInt8] {
        let nonce = try Self.random(12)
        guard let cipher = EVP_CIPHER_CTX_new() else { throw KernelError(.secret, "out of memory") }
        defer { EVP_CIPHER_CTX_free(cipher) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var length: Int32 = 0
        var total = 0
        let aad = Array(context.utf8)
        var tag = [UInt8](repeating: 0, count: 16)
        guard EVP_EncryptInit_ex(cipher, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(cipher, FAZT_EVP_CTRL_GCM_SET_IVLEN, 12, nil) == 1,
            EVP_EncryptInit_ex(cipher, nil, nil, key, nonce) == 1,
            EVP_EncryptUpdate(cipher, nil, &length, aad, Int32(aad.count)) == 1,
            EVP_EncryptUpdate(cipher, &out, &length, plaintext, Int32(plaintext.count)) == 1
        else { throw KernelError(.secret, "encryption failed") }
        total = Int(length)
        guard
            out.withUnsafeMutableBufferPointer({
                EVP_EncryptFinal_ex(cipher, $0.baseAddress.map { $0 + total }, &length)
            })
                == 1,
            EVP_CIPHER_CTX_ctrl(cipher, FAZT_EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1
        else { throw KernelError(.secret, "encryption failed") }
        total += Int(length)
        return nonce + out.prefix(total) + tag
    }

    /// The plaintext of a sealed value; throws when it was altered or sealed with another key.
    public func open(_ sealed: [UInt8], context: String) throws -> [UInt8] {
        guard sealed.count >= 28 else { throw KernelError(.secret, "a stored secret is damaged") }
        let nonce = Array(sealed.prefix(12))
        let body = Array(sealed.dropFirst(12).dropLast(16))
        var tag = Array(sealed.suffix(16))
        guard let cipher = EVP_CIPHER_CTX_new() else { throw KernelError(.secret, "out of memory") }
        defer { EVP_CIPHER_CTX_free(cipher) }
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var length: Int32 = 0
        let aad = Array(context.utf8)
        guard EVP_DecryptInit_ex(cipher, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(cipher, FAZT_EVP_CTRL_GCM_SET_IVLEN, 12, nil) == 1,
            EVP_DecryptInit_ex(cipher, nil, nil, key, nonce) == 1,
            EVP_DecryptUpdate(cipher, nil, &length, aad, Int32(aad.count)) == 1,
            EVP_DecryptUpdate(cipher, &out, &length, body, Int32(body.count)) == 1,
            EVP_CIPHER_CTX_ctrl(cipher, FAZT_EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1
        else { throw KernelError(.secret, "decryption failed") }
        let total = Int(length)
        guard
            out.withUnsafeMutableBufferPointer({
                EVP_DecryptFinal_ex(cipher, $0.baseAddress.map { $0 + total }, &length)
            }) == 1
        else {
            throw KernelError(.secret, "a stored secret does not match the key (fazt.key or FAZT_SECRET_KEY changed?)")
        }
        return Array(out.prefix(total + Int(length)))
    }

    /// HMAC-SHA256 of `message` with `key`.
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &out, &length)
        return Array(out.prefix(Int(length)))
    }

    /// Equality that takes the same time wherever the first difference is.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return CRYPTO_memcmp(a, b, a.count) == 0
    }

    /// The bytes that `hex` spells (either case), or nil when it is not an even run of hex digits.
    public static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }

    private static func random(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw KernelError(.secret, "no randomness available") }
        return bytes
    }
}

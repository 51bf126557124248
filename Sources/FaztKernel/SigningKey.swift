import CCrypto

/// An RSA or EC P-256 key read from PEM text, which signs and verifies SHA-256 digests as JWS
/// needs them: RS256 (RSASSA-PKCS1-v1_5) and ES256 (ECDSA with the signature as raw `r ‖ s`).
///
/// The one place that holds an OpenSSL `EVP_PKEY`; it is freed with this object. Errors name what
/// is wrong with the key, never its bytes.
final class SigningKey {
    /// What the key is for.
    enum Kind: Equatable {
        case rsa
        /// An EC key on P-256 (prime256v1).
        case ecP256

        /// The JWS algorithm that uses it.
        var algorithm: String { self == .rsa ? "RS256" : "ES256" }
    }

    let kind: Kind
    /// Whether it can sign (a private key), else only verify.
    let isPrivate: Bool
    private let key: OpaquePointer

    /// Whether `bytes` look like PEM text at all (`-----BEGIN `), so a plain HMAC secret is never
    /// mistaken for a key.
    static func isPEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        guard bytes.count > marker.count else { return false }
        for start in 0...min(bytes.count - marker.count, 64)
        where bytes[start..<start + marker.count].elementsEqual(marker) {
            return true
        }
        return false
    }

    /// The key in `pem`, nil when it holds none or one that is neither RSA nor EC P-256.
    ///
    /// It reads a private key (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`), a public key
    /// (`PUBLIC KEY`) or a certificate's public key. An encrypted private key does not load (no
    /// prompt).
    ///
    /// Text pasted from JSON with its line breaks still escaped (`\n`, as in a Google service
    /// account's `private_key`) is read with real ones.
    init?(pem bytes: [UInt8]) {
        var text = bytes
        if !bytes.contains(10), let unescaped = Self.unescapingNewlines(bytes) { text = unescaped }
        defer { ERR_clear_error() }
        let count = Int32(text.count)
        if let key = text.withUnsafeBytes({ fazt_read_private_key($0.baseAddress, count) }) {
            self.key = key
            isPrivate = true
        } else if let key = text.withUnsafeBytes({ fazt_read_public_key($0.baseAddress, count) })
            ?? text.withUnsafeBytes({ fazt_read_certificate_key($0.baseAddress, count) })
        {
            self.key = key
            isPrivate = false
        } else {
            return nil
        }
        switch EVP_PKEY_get_base_id(key) {
        case FAZT_EVP_PKEY_RSA where EVP_PKEY_get_bits(key) >= 2048:
            kind = .rsa
        case FAZT_EVP_PKEY_EC where Self.groupName(key) == "prime256v1":
            kind = .ecP256
        default:
            EVP_PKEY_free(key)
            return nil
        }
    }

    deinit { EVP_PKEY_free(key) }

    /// The length of an RSA signature in bytes (the modulus size); nil for EC, whose DER form varies.
    var signatureLength: Int? { kind == .rsa ? Int(EVP_PKEY_get_size(key)) : nil }

    /// The signature of `message` (SHA-256): PKCS#1 v1.5 for RSA, 64 bytes `r ‖ s` for P-256.
    func sign(_ message: [UInt8]) throws -> [UInt8] {
        defer { ERR_clear_error() }
        guard isPrivate else { throw KernelError(.invalidArgument, "a public key cannot sign") }
        guard let context = EVP_MD_CTX_new() else { throw KernelError(.secret, "out of memory") }
        defer { EVP_MD_CTX_free(context) }
        var length = 0
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1,
            EVP_DigestSign(context, nil, &length, message, message.count) == 1
        else { throw KernelError(.secret, "signing failed") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw KernelError(.secret, "signing failed")
        }
        signature.removeSubrange(length...)
        guard kind == .ecP256 else { return signature }
        guard let raw = Self.rawSignature(der: signature) else { throw KernelError(.secret, "signing failed") }
        return raw
    }

    /// Whether `signature` is this key's signature of `message` (SHA-256).
    ///
    /// For P-256 it is the JWS form (64 bytes `r ‖ s`) or DER, as other tools write it.
    func verify(_ message: [UInt8], signature: [UInt8]) -> Bool {
        defer { ERR_clear_error() }
        var signature = signature
        if kind == .ecP256, signature.count == 64 {
            guard let der = Self.derSignature(raw: signature) else { return false }
            signature = der
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }

    // MARK: - Helpers

    private static func groupName(_ key: OpaquePointer) -> String? {
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else { return nil }
        return String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `bytes` with each two-byte `\n` made a line break, or nil when there is none.
    private static func unescapingNewlines(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        var changed = false
        while index < bytes.count {
            if bytes[index] == 0x5C, index + 1 < bytes.count, bytes[index + 1] == 0x6E {
                out.append(10)
                index += 2
                changed = true
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return changed ? out : nil
    }

    /// An ECDSA signature in DER (`SEQUENCE { r, s }`) as 64 bytes `r ‖ s`.
    static func rawSignature(der: [UInt8]) -> [UInt8]? {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let signature = parsed else { return nil }
        defer { ECDSA_SIG_free(signature) }
        var out = [UInt8](repeating: 0, count: 64)
        let written = out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return BN_bn2binpad(ECDSA_SIG_get0_r(signature), base, 32) == 32
                && BN_bn2binpad(ECDSA_SIG_get0_s(signature), base + 32, 32) == 32
        }
        return written ? out : nil
    }

    /// 64 bytes `r ‖ s` as an ECDSA signature in DER.
    static func derSignature(raw: [UInt8]) -> [UInt8]? {
        guard raw.count == 64, let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        let r = BN_bin2bn(raw, 32, nil)
        let s = Array(raw[32...]).withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, 32, nil) }
        guard let r, let s, ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        return written == length ? der : nil
    }
}

import CCrypto

/// An EC P-256 private key (libcrypto): ACME account keys and certificate keys.
///
/// The one owner of its `EVP_PKEY`, freed in `deinit`. Signatures are ES256 as JWS wants them
/// (64 bytes `r ‖ s`) or DER (for a CSR). Errors never hold key bytes.
final class ECKey: @unchecked Sendable {
    // Safe: the key is never mutated after init; libcrypto allows concurrent use of a const key.
    private let key: OpaquePointer

    /// A fresh random key.
    init() throws {
        defer { ERR_clear_error() }
        guard let key = fazt_ec_p256_generate() else { throw TLSError(.crypto, "cannot generate a P-256 key") }
        self.key = key
    }

    /// The key in PEM text (PKCS#8 or `EC PRIVATE KEY`); it must be an unencrypted P-256 key.
    init(pem: [UInt8]) throws {
        defer { ERR_clear_error() }
        guard let key = pem.withUnsafeBytes({ fazt_read_private_key($0.baseAddress, Int32(pem.count)) }) else {
            throw TLSError(.crypto, "not an unencrypted PEM private key")
        }
        guard EVP_PKEY_get_base_id(key) == FAZT_EVP_PKEY_EC, EVP_PKEY_get_bits(key) == 256 else {
            EVP_PKEY_free(key)
            throw TLSError(.crypto, "not an EC P-256 key")
        }
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// PKCS#8 PEM text of the private key.
    var pem: [UInt8] {
        get throws {
            var out = [CChar](repeating: 0, count: 4096)
            let length = fazt_private_key_pem(key, &out, Int32(out.count))
            guard length > 0 else { throw TLSError(.crypto, "cannot write the key as PEM") }
            return out.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        }
    }

    /// The public point, uncompressed (`04 ‖ x ‖ y`, 65 bytes).
    var publicPoint: [UInt8] {
        get throws {
            var out = [UInt8](repeating: 0, count: 65)
            var length = 0
            guard EVP_PKEY_get_octet_string_param(key, "pub", &out, out.count, &length) == 1, length == 65 else {
                throw TLSError(.crypto, "cannot read the public key")
            }
            return out
        }
    }

    /// SubjectPublicKeyInfo in DER.
    var subjectPublicKeyInfo: [UInt8] {
        get throws {
            let length = i2d_PUBKEY(key, nil)
            guard length > 0 else { throw TLSError(.crypto, "cannot encode the public key") }
            var out = [UInt8](repeating: 0, count: Int(length))
            let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
                var cursor = buffer.baseAddress
                return i2d_PUBKEY(key, &cursor)
            }
            guard written == length else { throw TLSError(.crypto, "cannot encode the public key") }
            return out
        }
    }

    /// The public key as a JWK with members in the order RFC 7638 hashes them.
    var jwk: String {
        get throws {
            let point = try publicPoint
            let x = Base64URL.encode(Array(point[1..<33]))
            let y = Base64URL.encode(Array(point[33..<65]))
            return #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        }
    }

    /// The JWK thumbprint (RFC 7638), base64url.
    var thumbprint: String {
        get throws { Base64URL.encode(SHA256Digest.of(Array(try jwk.utf8))) }
    }

    /// The DER ECDSA signature of SHA-256(`message`).
    func signDER(_ message: [UInt8]) throws -> [UInt8] {
        defer { ERR_clear_error() }
        guard let context = EVP_MD_CTX_new() else { throw TLSError(.crypto, "out of memory") }
        defer { EVP_MD_CTX_free(context) }
        var length = 0
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1,
            EVP_DigestSign(context, nil, &length, message, message.count) == 1
        else { throw TLSError(.crypto, "signing failed") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw TLSError(.crypto, "signing failed")
        }
        return Array(signature.prefix(length))
    }

    /// The ES256 signature of `message`: 64 bytes `r ‖ s`.
    func signRaw(_ message: [UInt8]) throws -> [UInt8] {
        let der = try signDER(message)
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let signature = parsed else { throw TLSError(.crypto, "signing failed") }
        defer { ECDSA_SIG_free(signature) }
        var out = [UInt8](repeating: 0, count: 64)
        let written = out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return BN_bn2binpad(ECDSA_SIG_get0_r(signature), base, 32) == 32
                && BN_bn2binpad(ECDSA_SIG_get0_s(signature), base + 32, 32) == 32
        }
        guard written else { throw TLSError(.crypto, "signing failed") }
        return out
    }
}

/// SHA-256 through libcrypto.
enum SHA256Digest {
    static func of(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        _ = SHA256(bytes, bytes.count, &out)
        return out
    }
}

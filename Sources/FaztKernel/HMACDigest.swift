import CCrypto

/// The hash functions `fazt.secrets.hmac` and `verify` accept, and HMAC with them (RFC 2104).
enum HMACDigest: String, CaseIterable {
    case sha1, sha256, sha384, sha512

    /// The digest named `name`: `sha256`, `SHA-256` or `sha-256` (any case), and so on.
    init?(name: String) {
        self.init(rawValue: name.lowercased().replacingOccurrences(of: "-", with: ""))
    }

    /// The length of a MAC in bytes.
    var length: Int {
        switch self {
        case .sha1: return 20
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }

    /// HMAC of `message` with `key`.
    func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let digest: OpaquePointer?
        switch self {
        case .sha1: digest = EVP_sha1()
        case .sha256: digest = EVP_sha256()
        case .sha384: digest = EVP_sha384()
        case .sha512: digest = EVP_sha512()
        }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = HMAC(digest, key, Int32(key.count), message, message.count, &out, &length)
        return Array(out.prefix(Int(length)))
    }
}

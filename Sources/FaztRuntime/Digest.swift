import CCrypto

/// `crypto.subtle.digest`, `sign` and `verify` (HMAC) over libcrypto.
enum Digest {
    /// The digest of `data` with `algorithm` (`SHA1`, `SHA256`, `SHA384`, `SHA512`); nil if unknown.
    static func compute(_ algorithm: String, _ data: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let md = messageDigest(algorithm), let context = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestInit_ex(context, md, nil) == 1,
            EVP_DigestUpdate(context, data.baseAddress, data.count) == 1,
            EVP_DigestFinal_ex(context, &output, &length) == 1
        else { return nil }
        return Array(output.prefix(Int(length)))
    }

    /// The HMAC of `data` under `key` with the hash `algorithm` (names as for `compute`); nil if
    /// the hash is unknown.
    static func hmac(_ algorithm: String, key: UnsafeRawBufferPointer, _ data: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let md = messageDigest(algorithm), key.count <= Int32.max else { return nil }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // libcrypto refuses a null key pointer, and an empty buffer may have none.
        var empty: UInt8 = 0
        let result = withUnsafePointer(to: &empty) { fallback in
            HMAC(
                md,
                key.baseAddress ?? UnsafeRawPointer(fallback),
                Int32(key.count),
                data.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? fallback,
                data.count,
                &output,
                &length
            )
        }
        guard result != nil else { return nil }
        return Array(output.prefix(Int(length)))
    }

    /// Whether `expected` and `actual` are equal, in time that depends only on their lengths.
    static func constantTimeEqual(_ expected: [UInt8], _ actual: UnsafeRawBufferPointer) -> Bool {
        guard expected.count == actual.count else { return false }
        guard let base = actual.baseAddress else { return expected.isEmpty }
        return expected.withUnsafeBytes { CRYPTO_memcmp($0.baseAddress, base, expected.count) == 0 }
    }

    private static func messageDigest(_ algorithm: String) -> OpaquePointer? {
        switch algorithm {
        case "SHA1": EVP_sha1()
        case "SHA256": EVP_sha256()
        case "SHA384": EVP_sha384()
        case "SHA512": EVP_sha512()
        default: nil
        }
    }
}

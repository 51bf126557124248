import CCrypto

/// `crypto.subtle.digest` over libcrypto's EVP interface.
enum Digest {
    /// The digest of `data` with `algorithm` (`SHA1`, `SHA256`, `SHA384`, `SHA512`); nil if unknown.
    static func compute(_ algorithm: String, _ data: UnsafeRawBufferPointer) -> [UInt8]? {
        let md: OpaquePointer?
        switch algorithm {
        case "SHA1": md = EVP_sha1()
        case "SHA256": md = EVP_sha256()
        case "SHA384": md = EVP_sha384()
        case "SHA512": md = EVP_sha512()
        default: return nil
        }
        guard let md, let context = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestInit_ex(context, md, nil) == 1,
            EVP_DigestUpdate(context, data.baseAddress, data.count) == 1,
            EVP_DigestFinal_ex(context, &output, &length) == 1
        else { return nil }
        return Array(output.prefix(Int(length)))
    }
}

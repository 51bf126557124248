import CCrypto

/// An incremental SHA-1 (the pack trailer covers every byte before it, fed in pieces).
final class SHA1Hasher {
    private let context: OpaquePointer

    init() {
        // EVP_MD_CTX_new only fails when memory is exhausted, where nothing else would work either.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.context = context
        EVP_DigestInit_ex(context, EVP_sha1(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            if let base = buffer.baseAddress, !buffer.isEmpty { _ = EVP_DigestUpdate(context, base, buffer.count) }
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { buffer in
                if let base = buffer.baseAddress, !buffer.isEmpty { _ = EVP_DigestUpdate(context, base, buffer.count) }
            }
        }
    }

    /// The 20-byte digest of everything fed so far; the hasher must not be used afterwards.
    func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest
    }
}

import CCrypto
import FaztGit

/// A SHA-256 content hash: the identity of a blob.
public struct ContentHash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 raw bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public static func == (lhs: ContentHash, rhs: ContentHash) -> Bool { lhs.bytes == rhs.bytes }

    /// SHA-256 output is uniform, so its first eight bytes are as good a hash as all 32, and faster.
    public func hash(into hasher: inout Hasher) {
        var word: UInt64 = 0
        for byte in bytes.prefix(8) { word = word << 8 | UInt64(byte) }
        hasher.combine(word)
    }

    /// Hashes `data`.
    public init(of data: UnsafeRawBufferPointer) {
        var hasher = SHA256Hasher()
        hasher.update(data)
        self = hasher.finish()
    }

    /// Hashes `data`.
    public init(of data: [UInt8]) {
        self = data.withUnsafeBytes { ContentHash(of: $0) }
    }

    /// Lower-case hexadecimal form (64 characters).
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}

/// Incremental SHA-256 over libcrypto's EVP interface.
public struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    public init() {
        // EVP_MD_CTX_new only fails when memory is exhausted, where nothing else would work either.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `data` to the digest.
    public mutating func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, !data.isEmpty else { return }
        EVP_DigestUpdate(context, base, data.count)
    }

    /// Returns the digest; the hasher must not be used afterwards.
    public consuming func finish() -> ContentHash {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return ContentHash(bytes: digest)
    }
}

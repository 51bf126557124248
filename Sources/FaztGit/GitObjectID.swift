import CCrypto

/// A git object id: the SHA-1 of an object's `type size\0` header and body.
public struct GitObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 20 raw bytes.
    public let bytes: [UInt8]

    /// Wraps 20 raw bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 20 else { return nil }
        self.bytes = bytes
    }

    /// Wraps exactly 20 bytes the caller has already sliced to length (a programmer error otherwise).
    init(exactly bytes: some Collection<UInt8>) {
        precondition(bytes.count == 20, "a git object id has 20 bytes")
        self.bytes = Array(bytes)
    }

    /// Parses 40 hexadecimal digits (either case); nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 40 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for index in stride(from: 0, to: 40, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        bytes = out
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The id of an object of `type` whose body is `body`.
    public init(type: GitObjectType, body: [UInt8]) {
        var header = Array("\(type.rawValue) \(body.count)".utf8)
        header.append(0)
        // EVP_MD_CTX_new only fails when memory is exhausted, where nothing else would work either.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_sha1(), nil)
        header.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        body.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress, !buffer.isEmpty { _ = EVP_DigestUpdate(context, base, buffer.count) }
        }
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        bytes = digest
    }

    /// Lower-case hexadecimal form (40 characters), as git prints it.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func < (lhs: GitObjectID, rhs: GitObjectID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// The kinds of git object: Fazt writes blobs, trees and commits; annotated tags arrive by push.
public enum GitObjectType: String, Sendable {
    case blob, tree, commit, tag
}

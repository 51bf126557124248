import CCrypto
import CZlib
import FaztGit

/// Writes a version 2 pack of whole (undeltified) objects, as a push sends it.
///
/// Named apart from the server side's `FaztGit.PackWriter` so that both can live until they are merged.
enum OutboundPack {
    /// The pack bytes of `objects`: header, each object zlib-compressed, then the SHA-1 trailer.
    static func encode(_ objects: [GitObject]) throws(GitRemoteError) -> [UInt8] {
        var out = Array("PACK".utf8)
        appendBigEndian(&out, 2)
        appendBigEndian(&out, UInt32(objects.count))
        for object in objects {
            out.append(contentsOf: header(type: typeCode(object.type), size: object.body.count))
            out.append(contentsOf: try deflate(object.body))
        }
        out.append(contentsOf: sha1(out))
        return out
    }

    /// git's pack type numbers.
    static func typeCode(_ type: GitObjectType) -> UInt8 {
        switch type {
        case .commit: 1
        case .tree: 2
        case .blob: 3
        }
    }

    /// The variable-length object header: type and the low 4 size bits, then 7 bits per byte.
    static func header(type: UInt8, size: Int) -> [UInt8] {
        var rest = size >> 4
        var byte = (type << 4) | UInt8(size & 0x0F)
        var out: [UInt8] = []
        while rest > 0 {
            out.append(byte | 0x80)
            byte = UInt8(rest & 0x7F)
            rest >>= 7
        }
        out.append(byte)
        return out
    }

    /// zlib (not gzip) compression, as packs store objects.
    static func deflate(_ body: [UInt8]) throws(GitRemoteError) -> [UInt8] {
        var length = compressBound(uLong(body.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = body.withUnsafeBufferPointer { input in
            compress2(&out, &length, input.baseAddress, uLong(input.count), Z_DEFAULT_COMPRESSION)
        }
        guard status == Z_OK else { throw .badPack("zlib could not compress an object (status \(status))") }
        out.removeSubrange(Int(length)...)
        return out
    }

    static func sha1(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let contiguous = Array(bytes)
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        contiguous.withUnsafeBufferPointer { input in
            _ = EVP_Digest(input.baseAddress, input.count, &digest, &length, EVP_sha1(), nil)
        }
        return digest
    }

    private static func appendBigEndian(_ out: inout [UInt8], _ value: UInt32) {
        out.append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }
}

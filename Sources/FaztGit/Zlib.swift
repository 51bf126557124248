import CZlib

/// zlib streams for pack entries: each entry is one zlib stream whose end only inflate can find.
enum Zlib {
    /// Compresses `bytes` as one zlib stream.
    static func deflate(_ bytes: [UInt8], level: Int32) -> [UInt8] {
        var length = compressBound(UInt(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = bytes.withUnsafeBufferPointer { input in
            compress2(&out, &length, input.baseAddress, UInt(input.count), level)
        }
        // compress2 only fails for lack of memory or a too-small buffer, and compressBound rules out the latter.
        precondition(status == Z_OK, "zlib compress2 failed (\(status))")
        out.removeSubrange(Int(length)...)
        return out
    }

    /// Inflates the zlib stream starting at `start` of `input`, which must produce exactly `size` bytes.
    ///
    /// Returns the bytes and how many input bytes the stream used; throws on corrupt, short or oversized data.
    static func inflate(
        _ input: UnsafeBufferPointer<UInt8>,
        from start: Int,
        size: Int
    ) throws -> (
        bytes: [UInt8], consumed: Int
    ) {
        var stream = z_stream()
        guard fazt_inflate_init_auto(&stream) == Z_OK else { throw GitProtocolError("zlib inflateInit failed") }
        defer { inflateEnd(&stream) }
        // One spare byte so that data longer than announced is seen as such, not cut silently.
        var output = [UInt8](repeating: 0, count: size + 1)
        let result: Int32 = output.withUnsafeMutableBufferPointer { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + start })
            stream.avail_in = uInt(input.count - start)
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(out.count)
            while true {
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                if status != Z_OK || stream.avail_in == 0 || stream.avail_out == 0 { return status }
            }
        }
        switch result {
        case Z_STREAM_END:
            guard Int(stream.total_out) == size else {
                throw GitProtocolError("pack entry inflates to \(stream.total_out) bytes, header says \(size)")
            }
        case Z_OK, Z_BUF_ERROR:
            if Int(stream.total_out) > size {
                throw GitProtocolError("pack entry inflates to more than the \(size) bytes its header says")
            }
            throw GitProtocolError("truncated pack: an entry's compressed data ends early")
        default:
            throw GitProtocolError("corrupt pack: zlib error \(result) in an entry's compressed data")
        }
        output.removeLast()
        return (output, Int(stream.total_in))
    }
}

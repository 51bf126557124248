import CZlib
import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

/// permessage-deflate (RFC 7692) without context takeover in either direction.
///
/// Every message is compressed and decompressed on its own, so a socket keeps no zlib state: the
/// streams (≈256 KB to deflate, ≈32 KB to inflate) live in a small shared pool and are reset
/// between messages. A broadcast is compressed once for all its subscribers.
public enum PerMessageDeflate {
    /// The extension's answer header for a client's `Sec-WebSocket-Extensions` offers, or nil when
    /// none can be accepted (the socket then runs uncompressed).
    ///
    /// Accepted: `permessage-deflate` with any of `client_no_context_takeover`,
    /// `server_no_context_takeover`, `client_max_window_bits[=N]` and `server_max_window_bits=N`
    /// (9–15); the answer always asks for no context takeover both ways.
    public static func negotiate(offers: String?) -> String? {
        guard let offers else { return nil }
        for offer in offers.split(separator: ",") {
            let parts = offer.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.first?.lowercased() == "permessage-deflate" else { continue }
            var serverWindow: Int?
            var acceptable = true
            var seen: Set<String> = []
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map {
                    $0.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\"")))
                }
                let name = pair[0].lowercased()
                guard seen.insert(name).inserted else {
                    acceptable = false
                    break
                }
                switch name {
                case "client_no_context_takeover", "server_no_context_takeover":
                    if pair.count > 1 { acceptable = false }
                case "client_max_window_bits":
                    if pair.count > 1, Int(pair[1]).map({ (8...15).contains($0) }) != true { acceptable = false }
                case "server_max_window_bits":
                    guard pair.count > 1, let bits = Int(pair[1]), (9...15).contains(bits) else {
                        acceptable = false
                        break
                    }
                    serverWindow = bits
                default:
                    acceptable = false
                }
                if !acceptable { break }
            }
            guard acceptable else { continue }
            var answer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
            if let serverWindow { answer += "; server_max_window_bits=\(serverWindow)" }
            return answer
        }
        return nil
    }

    /// The window the server compresses with, from an answer of `negotiate`.
    public static func serverWindowBits(answer: String) -> Int32 {
        guard let range = answer.range(of: "server_max_window_bits=") else { return 15 }
        return Int32(answer[range.upperBound...].prefix { $0.isNumber }) ?? 15
    }

    /// Below this size `compress` leaves a message alone unless forced.
    public static let minimumBytes = 256

    /// `payload` deflated for one message (the final empty block's `00 00 ff ff` removed).
    ///
    /// Nil when it would not be smaller, unless `force`: a socket that negotiated the extension gets
    /// every data message compressed (RFC 7692 allows either; some clients mishandle an
    /// uncompressed message once `no_context_takeover` is agreed, kosoku 0.1.0 among them).
    public static func compress(_ payload: ByteBuffer, windowBits: Int32 = 15, force: Bool = false) -> ByteBuffer? {
        guard force || payload.readableBytes >= minimumBytes else { return nil }
        return deflaters.withStream(windowBits: windowBits) { stream -> ByteBuffer? in
            var output = ByteBuffer()
            let capacity = Int(deflateBound(&stream, UInt(payload.readableBytes))) + 16
            var status: Int32 = Z_OK
            payload.withUnsafeReadableBytes { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { out in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(out.count)
                    status = deflate(&stream, Z_SYNC_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
            }
            guard status == Z_OK, stream.avail_in == 0, output.readableBytes >= 4,
                force || output.readableBytes - 4 < payload.readableBytes
            else { return nil }
            output.moveWriterIndex(to: output.writerIndex - 4)
            return output
        }
    }

    /// What inflating a message gave.
    public enum Inflated: Equatable {
        case message(ByteBuffer)
        /// It inflates past the limit (close 1009).
        case tooLarge
        /// Not valid deflate data (close 1007).
        case invalid
    }

    /// A compressed message inflated, at most `limit` bytes.
    public static func decompress(_ payload: ByteBuffer, limit: Int) -> Inflated {
        var tooLarge = false
        let output = inflateMessage(payload, limit: limit, tooLarge: &tooLarge)
        if tooLarge { return .tooLarge }
        return output.map { .message($0) } ?? .invalid
    }

    /// A message's frame, compressed (RSV1).
    public static func frame(
        _ opcode: WebSocketOpcode,
        _ payload: ByteBuffer,
        windowBits: Int32,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        if let compressed = compress(payload, windowBits: windowBits, force: true) {
            return WebSocketFrameBytes.encode(opcode: opcode, payload: compressed, rsv1: true, allocator: allocator)
        }
        return WebSocketFrameBytes.encode(opcode: opcode, payload: payload, allocator: allocator)
    }

    private static func inflateMessage(_ payload: ByteBuffer, limit: Int, tooLarge: inout Bool) -> ByteBuffer? {
        var input = payload
        input.writeBytes([0x00, 0x00, 0xFF, 0xFF])
        return inflaters.withStream(windowBits: 15) { stream -> ByteBuffer? in
            var output = ByteBuffer()
            var failed = false
            input.withUnsafeReadableBytes { bytes in
                stream.next_in = UnsafeMutablePointer(mutating: bytes.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(bytes.count)
                while !failed {
                    let chunk = min(64 * 1024, limit + 1 - output.readableBytes)
                    guard chunk > 0 else {
                        failed = true
                        break
                    }
                    var status: Int32 = Z_OK
                    output.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { out in
                        stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                        stream.avail_out = uInt(chunk)
                        status = inflate(&stream, Z_SYNC_FLUSH)
                        return chunk - Int(stream.avail_out)
                    }
                    if output.readableBytes > limit {
                        tooLarge = true
                        failed = true
                    }
                    if status == Z_STREAM_END || (status == Z_OK && stream.avail_in == 0 && stream.avail_out > 0) {
                        break
                    }
                    if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
                    if status != Z_OK { failed = true }
                }
            }
            return failed ? nil : output
        }
    }

    private static let deflaters = StreamPool(kind: .deflate)
    private static let inflaters = StreamPool(kind: .inflate)
}

/// A few reusable zlib streams shared by every socket (taken for one message, then reset).
private final class StreamPool: Sendable {
    enum Kind {
        case deflate
        case inflate
    }

    final class Box: @unchecked Sendable {
        // Safe: a box is used by one thread at a time (taken from the pool, then given back).
        var stream = z_stream()
        let windowBits: Int32

        init(windowBits: Int32) {
            self.windowBits = windowBits
        }
    }

    private let kind: Kind
    private let free = Mutex<[Box]>([])
    private static let kept = 4

    init(kind: Kind) {
        self.kind = kind
    }

    func withStream<Result>(windowBits: Int32, _ body: (inout z_stream) -> Result?) -> Result? {
        let reused = free.withLock { boxes -> Box? in
            guard let index = boxes.firstIndex(where: { $0.windowBits == windowBits }) else { return nil }
            return boxes.remove(at: index)
        }
        let box: Box
        if let reused {
            box = reused
        } else {
            box = Box(windowBits: windowBits)
            let status =
                kind == .deflate
                ? fazt_deflate_init_raw(&box.stream, Z_DEFAULT_COMPRESSION, windowBits)
                : fazt_inflate_init_raw(&box.stream)
            guard status == Z_OK else { return nil }
        }
        let result = body(&box.stream)
        let reset = kind == .deflate ? deflateReset(&box.stream) : inflateReset(&box.stream)
        let kept =
            reset == Z_OK
            && free.withLock { boxes in
                guard boxes.count < Self.kept else { return false }
                boxes.append(box)
                return true
            }
        if !kept {
            if kind == .deflate { deflateEnd(&box.stream) } else { inflateEnd(&box.stream) }
        }
        return result
    }
}

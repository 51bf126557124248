import NIOCore
import NIOWebSocket

/// Splits the bytes a client sends into RFC 6455 frames (§5.2), inside the socket's own handler.
///
/// NIO's `WebSocketFrameDecoder` would do the same behind a `ByteToMessageHandler`, which costs
/// every idle socket about half a kilobyte (the handler, its two ring buffers, the decoder and a
/// pipeline context). This parser is a value in `SocketConnection`: between frames it holds
/// nothing, and it keeps bytes only while a frame is incomplete — copied out of the channel's
/// read buffer, so NIO can reuse that buffer for the next read.
///
/// It checks only what must be known before a payload is buffered: the length against the frame
/// limit, the 64-bit length's top bit, and that control frames are short and whole. Everything
/// else (masking, reserved bits and opcodes, fragments, UTF-8) is `WebSocketSession`'s.
public struct WebSocketFrameParser {
    /// Why the bytes cannot be a frame.
    public enum Failure: Error, Sendable, Equatable {
        /// The frame is longer than the limit (close 1009).
        case tooBig
        /// A malformed header: a 64-bit length with its top bit set, or a control frame that is
        /// fragmented or longer than 125 bytes (close 1002).
        case invalidHeader
    }

    /// Longest payload a frame may have.
    public let maxFrameBytes: Int
    /// The start of a frame that has not fully arrived; nil between frames.
    private var partial: ByteBuffer?

    public init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// Whether bytes of an incomplete frame are held.
    public var holdsPartialFrame: Bool { self.partial != nil }

    /// Parses every complete frame in what was held plus `bytes`, calling `body` with each in order.
    ///
    /// An incomplete frame at the end is kept for the next call. `body` returns false to stop (the
    /// connection is closing): the rest is dropped.
    public mutating func parse(
        _ bytes: inout ByteBuffer,
        _ body: (WebSocketFrame) -> Bool
    ) throws(Failure) {
        var input: ByteBuffer
        if var held = self.partial {
            self.partial = nil
            held.writeBuffer(&bytes)
            input = held
        } else {
            input = bytes
            bytes.moveReaderIndex(forwardBy: bytes.readableBytes)
        }
        while input.readableBytes > 0 {
            guard let frame = try self.next(&input) else {
                // Copied, so the read buffer is not kept alive (and its storage can be reused).
                var held = ByteBufferAllocator().buffer(capacity: input.readableBytes)
                held.writeBuffer(&input)
                self.partial = held
                return
            }
            guard body(frame) else { return }
        }
    }

    /// The next whole frame at the reader index of `input` (consumed), or nil when it has not all
    /// arrived (nothing consumed).
    private func next(_ input: inout ByteBuffer) throws(Failure) -> WebSocketFrame? {
        let start = input.readerIndex
        guard let first = input.getInteger(at: start, as: UInt8.self),
            let second = input.getInteger(at: start + 1, as: UInt8.self)
        else { return nil }
        let fin = first & 0x80 != 0
        // Four bits always make an opcode; reserved ones are refused by the session.
        guard let opcode = WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F) else { throw .invalidHeader }
        let masked = second & 0x80 != 0
        var offset = start + 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = input.getInteger(at: offset, as: UInt16.self) else { return nil }
            length = Int(extended)
            offset += 2
        } else if length == 127 {
            guard let extended = input.getInteger(at: offset, as: UInt64.self) else { return nil }
            guard extended & (1 << 63) == 0 else { throw .invalidHeader }
            guard extended <= UInt64(self.maxFrameBytes) else { throw .tooBig }
            length = Int(extended)
            offset += 8
        }
        if opcode.isControlOpcode, !fin || length > 125 { throw .invalidHeader }
        guard length <= self.maxFrameBytes else { throw .tooBig }
        var maskKey: WebSocketMaskingKey?
        if masked {
            guard let key = input.viewBytes(at: offset, length: 4) else { return nil }
            maskKey = WebSocketMaskingKey(key)
            offset += 4
        }
        guard let data = input.getSlice(at: offset, length: length) else { return nil }
        input.moveReaderIndex(to: offset + length)
        return WebSocketFrame(
            fin: fin,
            rsv1: first & 0x40 != 0,
            rsv2: first & 0x20 != 0,
            rsv3: first & 0x10 != 0,
            opcode: opcode,
            maskKey: maskKey,
            data: data
        )
    }
}

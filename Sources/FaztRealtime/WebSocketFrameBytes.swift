import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames (RFC 6455 §5.2) encoded into one `ByteBuffer` each.
///
/// A frame is header and payload in a single buffer, never masked (only clients mask), so a
/// broadcast encodes once and writes the same buffer to every subscriber's channel.
public enum WebSocketFrameBytes {
    /// Longest reason a close frame can carry: 125 payload bytes less the 2-byte code.
    public static let maxCloseReasonBytes = 123

    /// Encodes one frame whose payload is `payload`.
    public static func encode(
        opcode: WebSocketOpcode,
        payload: some Collection<UInt8>,
        fin: Bool = true,
        rsv1: Bool = false,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        self.frame(opcode, fin: fin, rsv1: rsv1, length: payload.count, allocator: allocator) {
            $0.writeBytes(payload)
        }
    }

    /// Encodes one frame whose payload is the readable bytes of `payload`.
    public static func encode(
        opcode: WebSocketOpcode,
        payload: ByteBuffer,
        fin: Bool = true,
        rsv1: Bool = false,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        self.frame(opcode, fin: fin, rsv1: rsv1, length: payload.readableBytes, allocator: allocator) {
            $0.writeImmutableBuffer(payload)
        }
    }

    /// One buffer sized for the frame: the header, then what `body` writes (`length` bytes).
    private static func frame(
        _ opcode: WebSocketOpcode,
        fin: Bool,
        rsv1: Bool,
        length: Int,
        allocator: ByteBufferAllocator,
        _ body: (inout ByteBuffer) -> Void
    ) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: self.headerLength(payloadLength: length) + length)
        self.writeHeader(opcode: opcode, fin: fin, rsv1: rsv1, payloadLength: length, into: &buffer)
        body(&buffer)
        return buffer
    }

    /// The payload of a frame this type encoded (server frames are never masked).
    public static func payload(of frame: ByteBuffer) -> ByteBuffer {
        guard let second = frame.getInteger(at: frame.readerIndex + 1, as: UInt8.self) else { return ByteBuffer() }
        let header: Int
        switch second & 0x7F {
        case 126: header = 4
        case 127: header = 10
        default: header = 2
        }
        return frame.getSlice(at: frame.readerIndex + header, length: frame.readableBytes - header) ?? ByteBuffer()
    }

    /// A complete text message.
    public static func text(_ string: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        self.frame(.text, fin: true, rsv1: false, length: string.utf8.count, allocator: allocator) {
            $0.writeString(string)
        }
    }

    /// A close frame with `code` and `reason`, the reason cut to 123 bytes on a character boundary.
    public static func close(code: UInt16, reason: String = "", allocator: ByteBufferAllocator) -> ByteBuffer {
        let reasonBytes = self.prefix(of: reason, maxUTF8Bytes: self.maxCloseReasonBytes)
        let length = 2 + reasonBytes.count
        var buffer = allocator.buffer(capacity: self.headerLength(payloadLength: length) + length)
        self.writeHeader(opcode: .connectionClose, fin: true, rsv1: false, payloadLength: length, into: &buffer)
        buffer.writeInteger(code)
        buffer.writeBytes(reasonBytes)
        return buffer
    }

    /// A ping carrying `payload` (at most 125 bytes).
    public static func ping(payload: ByteBuffer = ByteBuffer(), allocator: ByteBufferAllocator) -> ByteBuffer {
        self.encode(opcode: .ping, payload: payload, allocator: allocator)
    }

    /// A pong carrying `payload` (at most 125 bytes): the answer to a ping echoes its payload.
    public static func pong(payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        self.encode(opcode: .pong, payload: payload, allocator: allocator)
    }

    /// The longest prefix of `string` that fits `maxUTF8Bytes` without splitting a character's bytes.
    static func prefix(of string: String, maxUTF8Bytes: Int) -> Substring.UTF8View {
        let utf8 = string.utf8
        guard utf8.count > maxUTF8Bytes else { return utf8[...] }
        var end = utf8.index(utf8.startIndex, offsetBy: maxUTF8Bytes)
        // A continuation byte (10xxxxxx) at the cut means the cut is inside a scalar: move back to its lead byte.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 {
            end = utf8.index(before: end)
        }
        return utf8[..<end]
    }

    /// 2, 4 or 10 bytes: the length is in the second byte, or in a 16-bit or 64-bit integer after it.
    static func headerLength(payloadLength: Int) -> Int {
        switch payloadLength {
        case ..<126: 2
        case ...0xFFFF: 4
        default: 10
        }
    }

    private static func writeHeader(
        opcode: WebSocketOpcode,
        fin: Bool,
        rsv1: Bool,
        payloadLength: Int,
        into buffer: inout ByteBuffer
    ) {
        precondition(
            !opcode.isControlOpcode || (fin && payloadLength <= 125),
            "a control frame is never fragmented and carries at most 125 bytes"
        )
        var first = UInt8(webSocketOpcode: opcode)
        if fin { first |= 0x80 }
        if rsv1 { first |= 0x40 }
        buffer.writeInteger(first)
        // The mask bit (0x80 of the second byte) stays clear: a server never masks.
        switch payloadLength {
        case ..<126:
            buffer.writeInteger(UInt8(payloadLength))
        case ...0xFFFF:
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(payloadLength))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(payloadLength))
        }
    }
}

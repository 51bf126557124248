import FaztRealtime
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

/// Frames as a client sends them (masked unless told otherwise), and what the server's answers say.
enum WebSocketTestFrames {
    static let maskKey: WebSocketMaskingKey = [0x37, 0xFA, 0x21, 0x3D]

    static func client(
        _ opcode: WebSocketOpcode,
        _ bytes: [UInt8] = [],
        fin: Bool = true,
        rsv1: Bool = false,
        rsv2: Bool = false,
        rsv3: Bool = false,
        masked: Bool = true
    ) -> WebSocketFrame {
        var data = ByteBuffer()
        data.writeBytes(bytes)
        if masked { data.webSocketMask(self.maskKey) }
        return WebSocketFrame(
            fin: fin,
            rsv1: rsv1,
            rsv2: rsv2,
            rsv3: rsv3,
            opcode: opcode,
            maskKey: masked ? self.maskKey : nil,
            data: data
        )
    }

    /// `frame` as bytes on the wire (RFC 6455 §5.2): header, masking key, payload as stored.
    static func wire(_ frame: WebSocketFrame) -> ByteBuffer {
        var bytes = ByteBuffer()
        var first = UInt8(webSocketOpcode: frame.opcode)
        if frame.fin { first |= 0x80 }
        if frame.rsv1 { first |= 0x40 }
        if frame.rsv2 { first |= 0x20 }
        if frame.rsv3 { first |= 0x10 }
        bytes.writeInteger(first)
        let mask: UInt8 = frame.maskKey == nil ? 0 : 0x80
        switch frame.length {
        case ..<126: bytes.writeInteger(mask | UInt8(frame.length))
        case ...0xFFFF:
            bytes.writeInteger(mask | 126)
            bytes.writeInteger(UInt16(frame.length))
        default:
            bytes.writeInteger(mask | 127)
            bytes.writeInteger(UInt64(frame.length))
        }
        if let key = frame.maskKey { bytes.writeBytes(key) }
        bytes.writeImmutableBuffer(frame.data)
        return bytes
    }

    static func client(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) -> WebSocketFrame {
        self.client(opcode, Array(text.utf8), fin: fin)
    }

    /// A close frame's payload: the code in network order, then the reason's bytes.
    static func closePayload(code: UInt16, reason: [UInt8] = []) -> [UInt8] {
        [UInt8(code >> 8), UInt8(code & 0xFF)] + reason
    }

    /// Runs `bytes` through NIO's server-side decoder, which must find exactly one frame in them.
    static func decode(_ bytes: ByteBuffer) throws -> WebSocketFrame {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        try channel.writeInbound(bytes)
        let frame = try #require(try channel.readInbound(as: WebSocketFrame.self))
        #expect(try channel.readInbound(as: WebSocketFrame.self) == nil)
        _ = try channel.finish()
        return frame
    }
}

/// A session action with the frames it writes decoded, for readable expectations.
enum SessionEvent: Equatable {
    case text(String)
    case binary([UInt8])
    /// We wrote a close frame with this code (nil: an empty close payload).
    case close(UInt16?)
    case pong([UInt8])
    case alive
    case closeAfterWrite

    static func of(_ actions: [WebSocketSession.Action]) throws -> [SessionEvent] {
        try actions.map { (action) -> SessionEvent in
            switch action {
            case .text(let text): return .text(text)
            case .binary(let buffer): return .binary(Array(buffer.readableBytesView))
            case .alive: return .alive
            case .closeAfterWrite: return .closeAfterWrite
            case .write(let bytes):
                let frame = try WebSocketTestFrames.decode(bytes)
                #expect(frame.fin)
                #expect(frame.maskKey == nil)
                var data = frame.data
                if frame.opcode == .pong { return .pong(Array(data.readableBytesView)) }
                try #require(frame.opcode == .connectionClose)
                return .close(data.readInteger(as: UInt16.self))
            }
        }
    }
}

extension WebSocketSession {
    /// Feeds one frame and returns the actions it caused.
    mutating func receive(_ frame: WebSocketFrame) throws -> [SessionEvent] {
        var actions: [Action] = []
        self.receive(frame, into: &actions)
        return try SessionEvent.of(actions)
    }
}

import FaztRealtime
import NIOCore
import NIOWebSocket
import Testing

@Suite struct WebSocketFrameBytesTests {
    private let allocator = ByteBufferAllocator()

    @Test(arguments: [(0, 2), (1, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10), (100_000, 10)])
    func encodesTheShortestLengthForm(payloadLength: Int, headerLength: Int) throws {
        let payload = (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0) }
        let bytes = WebSocketFrameBytes.encode(opcode: .binary, payload: payload, allocator: self.allocator)
        #expect(bytes.readableBytes == headerLength + payloadLength)
        #expect(bytes.getInteger(at: 0, as: UInt8.self) == 0x82)
        let lengthByte = try #require(bytes.getInteger(at: 1, as: UInt8.self))
        #expect(lengthByte & 0x80 == 0, "a server frame is never masked")
        switch headerLength {
        case 2: #expect(Int(lengthByte) == payloadLength)
        case 4:
            #expect(lengthByte == 126)
            #expect(bytes.getInteger(at: 2, as: UInt16.self).map(Int.init) == payloadLength)
        default:
            #expect(lengthByte == 127)
            #expect(bytes.getInteger(at: 2, as: UInt64.self).map(Int.init) == payloadLength)
        }

        let frame = try WebSocketTestFrames.decode(bytes)
        #expect(frame.opcode == .binary)
        #expect(frame.fin)
        #expect(frame.maskKey == nil)
        #expect(Array(frame.data.readableBytesView) == payload)
    }

    @Test(arguments: [0, 125, 126, 65_535, 65_536])
    func aByteBufferPayloadEncodesLikeAnArray(payloadLength: Int) {
        let payload = (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 * 7) }
        var buffer = ByteBuffer()
        buffer.writeString("skipped")
        buffer.moveReaderIndex(forwardBy: 7)
        buffer.writeBytes(payload)
        #expect(
            WebSocketFrameBytes.encode(opcode: .text, payload: buffer, allocator: self.allocator)
                == WebSocketFrameBytes.encode(opcode: .text, payload: payload, allocator: self.allocator)
        )
    }

    @Test func setsFinAndRSV1AsAsked() throws {
        let bytes = WebSocketFrameBytes.encode(
            opcode: .text,
            payload: Array("part".utf8),
            fin: false,
            rsv1: true,
            allocator: self.allocator
        )
        #expect(bytes.getInteger(at: 0, as: UInt8.self) == 0x41)
        let frame = try WebSocketTestFrames.decode(bytes)
        #expect(!frame.fin)
        #expect(frame.rsv1)
        #expect(frame.opcode == .text)
    }

    @Test(arguments: ["", "hello", "κόσμε 😀", String(repeating: "long ", count: 20_000)])
    func encodesText(_ text: String) throws {
        let frame = try WebSocketTestFrames.decode(WebSocketFrameBytes.text(text, allocator: self.allocator))
        #expect(frame.opcode == .text)
        #expect(frame.fin)
        #expect(String(buffer: frame.data) == text)
    }

    @Test func encodesCloseWithCodeAndReason() throws {
        let frame = try WebSocketTestFrames.decode(
            WebSocketFrameBytes.close(code: 4008, reason: "slow consumer", allocator: self.allocator)
        )
        #expect(frame.opcode == .connectionClose)
        var data = frame.data
        #expect(data.readInteger(as: UInt16.self) == 4008)
        #expect(String(buffer: data) == "slow consumer")
    }

    @Test func truncatesACloseReasonOnACharacterBoundary() throws {
        // 61 two-byte characters are 122 bytes, and one more would make 124: only 61 fit in 123.
        let reason = String(repeating: "é", count: 70)
        let frame = try WebSocketTestFrames.decode(
            WebSocketFrameBytes.close(code: 1000, reason: reason, allocator: self.allocator)
        )
        #expect(frame.length == 2 + 122)
        var data = frame.data
        data.moveReaderIndex(forwardBy: 2)
        #expect(String(buffer: data) == String(repeating: "é", count: 61))

        let ascii = String(repeating: "x", count: 200)
        let full = try WebSocketTestFrames.decode(
            WebSocketFrameBytes.close(code: 1000, reason: ascii, allocator: self.allocator)
        )
        #expect(full.length == 125)

        // A four-byte character across the limit is dropped whole.
        let emoji = String(repeating: "x", count: 121) + "😀"
        let cut = try WebSocketTestFrames.decode(
            WebSocketFrameBytes.close(code: 1000, reason: emoji, allocator: self.allocator)
        )
        #expect(cut.length == 2 + 121)
    }

    @Test func encodesPingAndPongWithTheirPayload() throws {
        let payload = ByteBuffer(string: "are you there")
        let ping = try WebSocketTestFrames.decode(WebSocketFrameBytes.ping(payload: payload, allocator: self.allocator))
        #expect(ping.opcode == .ping)
        #expect(ping.data == payload)
        let pong = try WebSocketTestFrames.decode(WebSocketFrameBytes.pong(payload: payload, allocator: self.allocator))
        #expect(pong.opcode == .pong)
        #expect(pong.data == payload)
        let empty = try WebSocketTestFrames.decode(WebSocketFrameBytes.ping(allocator: self.allocator))
        #expect(empty.length == 0)
    }
}

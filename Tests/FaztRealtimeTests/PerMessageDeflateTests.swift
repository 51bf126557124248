import FaztRealtime
import NIOCore
import NIOWebSocket
import Testing

@Suite struct PerMessageDeflateTests {
    @Test func negotiatesOnlyWithoutContextTakeover() {
        let answer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        #expect(PerMessageDeflate.negotiate(offers: "permessage-deflate") == answer)
        #expect(PerMessageDeflate.negotiate(offers: "permessage-deflate; client_max_window_bits") == answer)
        #expect(
            PerMessageDeflate.negotiate(offers: "permessage-deflate; server_max_window_bits=10")
                == answer + "; server_max_window_bits=10"
        )
        #expect(PerMessageDeflate.serverWindowBits(answer: answer + "; server_max_window_bits=10") == 10)
        #expect(PerMessageDeflate.serverWindowBits(answer: answer) == 15)
        // Unknown parameters, a window zlib cannot do raw, and repeated parameters are declined;
        // the next offer is taken instead.
        #expect(PerMessageDeflate.negotiate(offers: "permessage-deflate; foo=1") == nil)
        #expect(PerMessageDeflate.negotiate(offers: "permessage-deflate; server_max_window_bits=8") == nil)
        #expect(
            PerMessageDeflate.negotiate(
                offers: "permessage-deflate; server_no_context_takeover; server_no_context_takeover"
            )
                == nil
        )
        #expect(PerMessageDeflate.negotiate(offers: "permessage-deflate; foo, permessage-deflate") == answer)
        #expect(PerMessageDeflate.negotiate(offers: "x-webkit-deflate-frame") == nil)
        #expect(PerMessageDeflate.negotiate(offers: nil) == nil)
    }

    @Test func roundTripsAndSkipsWhatDoesNotShrink() throws {
        let text = String(repeating: "hello realtime world ", count: 100)
        let compressed = try #require(PerMessageDeflate.compress(ByteBuffer(string: text)))
        #expect(compressed.readableBytes < text.utf8.count / 5)
        #expect(PerMessageDeflate.decompress(compressed, limit: 1 << 20) == .message(ByteBuffer(string: text)))
        // Several messages in a row share no state (no context takeover): each inflates alone.
        for n in 0..<5 {
            let message = ByteBuffer(string: String(repeating: "message \(n) ", count: 50))
            let again = try #require(PerMessageDeflate.compress(message))
            #expect(PerMessageDeflate.decompress(again, limit: 1 << 20) == .message(message))
        }
        #expect(PerMessageDeflate.compress(ByteBuffer(string: "short")) == nil)
        var random = ByteBuffer()
        for _ in 0..<2048 { random.writeInteger(UInt8.random(in: 0...255)) }
        #expect(PerMessageDeflate.compress(random) == nil)
    }

    @Test func aForcedCompressionOfATinyOrEmptyMessageRoundTrips() throws {
        for text in ["", "a", "hello"] {
            let compressed = try #require(PerMessageDeflate.compress(ByteBuffer(string: text), force: true))
            #expect(PerMessageDeflate.decompress(compressed, limit: 1024) == .message(ByteBuffer(string: text)))
        }
        let frame = PerMessageDeflate.frame(.binary, ByteBuffer(bytes: [1, 2, 3]), windowBits: 15, allocator: .init())
        let decoded = try WebSocketTestFrames.decode(frame)
        #expect(decoded.rsv1 && decoded.opcode == .binary)
        #expect(
            WebSocketFrameBytes.payload(
                of: WebSocketFrameBytes.encode(opcode: .binary, payload: [9, 8], allocator: .init())
            ) == ByteBuffer(bytes: [9, 8])
        )
    }

    @Test func refusesBombsAndGarbage() throws {
        let bomb = try #require(PerMessageDeflate.compress(ByteBuffer(repeating: 0x61, count: 4 << 20)))
        #expect(bomb.readableBytes < 64 * 1024)
        #expect(PerMessageDeflate.decompress(bomb, limit: 512 * 1024) == .tooLarge)
        #expect(
            PerMessageDeflate.decompress(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0x01, 0x02]), limit: 1024) == .invalid
        )
    }

    @Test func aSessionInflatesACompressedFragmentedTextMessage() throws {
        let text = String(repeating: "ünïcode and ascii ", count: 40)
        let compressed = try #require(PerMessageDeflate.compress(ByteBuffer(string: text)))
        let bytes = Array(compressed.readableBytesView)
        let half = bytes.count / 2
        var session = WebSocketSession()
        session.allowsRSV1 = true
        var actions: [WebSocketSession.Action] = []
        var first = WebSocketTestFrames.client(.text, Array(bytes[..<half]), fin: false)
        first.rsv1 = true
        session.receive(first, into: &actions)
        session.receive(WebSocketTestFrames.client(.continuation, Array(bytes[half...])), into: &actions)
        #expect(actions.contains(.text(text)), "\(actions)")
        // Without the negotiation RSV1 is a protocol error.
        var plain = WebSocketSession()
        var refused: [WebSocketSession.Action] = []
        plain.receive(first, into: &refused)
        #expect(plain.closeCode == CloseCode.protocolError)
    }
}

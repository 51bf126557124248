import FaztRealtime
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

/// The session behind NIO's frame decoder, as the daemon's pipeline has it, fed raw client bytes.
@Suite struct WebSocketPipelineTests {
    private static let limits: RealtimeLimits = {
        var limits = RealtimeLimits()
        limits.maxMessageBytes = 1000
        return limits
    }()

    @Test func reassemblesAndAnswersFramesFromTheWire() throws {
        var connection = Connection()
        var bytes = ByteBuffer()
        Self.appendClientFrame(opcode: 0x1, payload: Array("hel".utf8), fin: false, to: &bytes)
        Self.appendClientFrame(opcode: 0x9, payload: [0x70], fin: true, to: &bytes)
        Self.appendClientFrame(opcode: 0x0, payload: Array("lo".utf8), fin: true, to: &bytes)
        #expect(try connection.read(bytes) == [.alive, .alive, .pong([0x70]), .alive, .text("hello")])
    }

    @Test func aFrameOverTheLimitClosesWith1009BeforeItsPayloadArrives() throws {
        var connection = Connection()
        var header = ByteBuffer()
        header.writeBytes([0x82, 0x80 | 126])
        header.writeInteger(UInt16(1001))
        #expect(try connection.read(header) == [.close(1009), .closeAfterWrite])
        #expect(connection.session.state == .closed)
    }

    /// NIO checks the frame size limit first: a long ping is a 1002 only while the limit is above 125.
    @Test func aLongPingClosesWith1002() throws {
        var connection = Connection()
        var bytes = ByteBuffer()
        Self.appendClientFrame(opcode: 0x9, payload: [UInt8](repeating: 1, count: 126), fin: true, to: &bytes)
        #expect(try connection.read(bytes) == [.close(1002), .closeAfterWrite])
    }

    @Test func aFragmentedPingClosesWith1002() throws {
        var connection = Connection()
        var bytes = ByteBuffer()
        Self.appendClientFrame(opcode: 0x9, payload: [1], fin: false, to: &bytes)
        #expect(try connection.read(bytes) == [.close(1002), .closeAfterWrite])
    }

    /// A frame as a client writes it: masked, the length in its shortest form.
    private static func appendClientFrame(opcode: UInt8, payload: [UInt8], fin: Bool, to buffer: inout ByteBuffer) {
        let key: [UInt8] = [0xA1, 0x02, 0xB3, 0x04]
        buffer.writeInteger((fin ? 0x80 : 0) | opcode)
        switch payload.count {
        case ..<126:
            buffer.writeInteger(0x80 | UInt8(payload.count))
        default:
            buffer.writeInteger(UInt8(0x80 | 126))
            buffer.writeInteger(UInt16(payload.count))
        }
        buffer.writeBytes(key)
        buffer.writeBytes(payload.enumerated().map { $0.element ^ key[$0.offset % 4] })
    }

    /// The decoder and the session, the way the socket's handler connects them.
    private struct Connection {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(
                WebSocketFrameDecoder(maxFrameSize: WebSocketPipelineTests.limits.maxMessageBytes)
            )
        )
        var session = WebSocketSession(limits: WebSocketPipelineTests.limits)

        mutating func read(_ bytes: ByteBuffer) throws -> [SessionEvent] {
            var actions: [WebSocketSession.Action] = []
            do {
                try self.channel.writeInbound(bytes)
            } catch {
                self.session.failed(error, into: &actions)
            }
            while let frame = try self.channel.readInbound(as: WebSocketFrame.self) {
                self.session.receive(frame, into: &actions)
            }
            return try SessionEvent.of(actions)
        }
    }
}

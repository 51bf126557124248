import FaztRealtime
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

/// The session behind the frame parser, as the socket's handler has it, fed raw client bytes.
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

    /// The size limit is checked first: a long ping is a 1002 only while the limit is above 125.
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

    @Test func framesSplitAtEveryByteComeOutWhole() throws {
        var bytes = ByteBuffer()
        Self.appendClientFrame(opcode: 0x1, payload: Array("hé".utf8), fin: false, to: &bytes)
        Self.appendClientFrame(
            opcode: 0x0,
            payload: Array(repeating: UInt8(ascii: "x"), count: 300),
            fin: true,
            to: &bytes
        )
        Self.appendClientFrame(opcode: 0x8, payload: [0x03, 0xE8], fin: true, to: &bytes)
        let whole = try Connection().readAll(bytes)
        for cut in 1..<bytes.readableBytes {
            var connection = Connection()
            let first = try connection.read(bytes.getSlice(at: 0, length: cut)!)
            let rest = try connection.read(bytes.getSlice(at: cut, length: bytes.readableBytes - cut)!)
            #expect(first + rest == whole, "cut at \(cut)")
            #expect(!connection.parser.holdsPartialFrame)
        }
        #expect(whole.last == .closeAfterWrite)
        #expect(whole.contains(.text("hé" + String(repeating: "x", count: 300))))
    }

    @Test func aSixtyFourBitLengthIsReadAndItsTopBitRefused() throws {
        var parser = WebSocketFrameParser(maxFrameBytes: 1 << 20)
        var bytes = ByteBuffer(bytes: [0x82, 0x80 | 127])
        bytes.writeInteger(UInt64(70_000))
        bytes.writeBytes([0, 0, 0, 0])
        bytes.writeRepeatingByte(7, count: 70_000)
        var lengths: [Int] = []
        try parser.parse(&bytes) { frame in
            lengths.append(frame.length)
            return true
        }
        #expect(lengths == [70_000])

        var bad = ByteBuffer(bytes: [0x82, 0x80 | 127])
        bad.writeInteger(UInt64(1) << 63)
        #expect(throws: WebSocketFrameParser.Failure.invalidHeader) { try parser.parse(&bad) { _ in true } }
        var huge = ByteBuffer(bytes: [0x82, 0x80 | 127])
        huge.writeInteger(UInt64(2) << 20)
        #expect(throws: WebSocketFrameParser.Failure.tooBig) { try parser.parse(&huge) { _ in true } }
    }

    @Test func stopsWhereTheHandlerSaysAndKeepsNothing() throws {
        var parser = WebSocketFrameParser(maxFrameBytes: 1000)
        var bytes = ByteBuffer()
        Self.appendClientFrame(opcode: 0x1, payload: [0x61], fin: true, to: &bytes)
        Self.appendClientFrame(opcode: 0x1, payload: [0x62], fin: true, to: &bytes)
        Self.appendClientFrame(opcode: 0x1, payload: [0x63, 0x64], fin: true, to: &bytes)
        bytes.writeInteger(UInt8(0x81))  // the start of another frame
        var seen = 0
        try parser.parse(&bytes) { _ in
            seen += 1
            return seen < 2
        }
        #expect(seen == 2)
        #expect(!parser.holdsPartialFrame)
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

    /// The parser and the session, the way the socket's handler connects them.
    private struct Connection {
        var parser = WebSocketFrameParser(maxFrameBytes: WebSocketPipelineTests.limits.maxMessageBytes)
        var session = WebSocketSession(limits: WebSocketPipelineTests.limits)

        mutating func read(_ bytes: ByteBuffer) throws -> [SessionEvent] {
            var actions: [WebSocketSession.Action] = []
            var bytes = bytes
            var session = self.session
            do {
                try self.parser.parse(&bytes) { frame in
                    session.receive(frame, into: &actions)
                    return session.state == .open
                }
            } catch {
                session.failed(error, into: &actions)
            }
            self.session = session
            return try SessionEvent.of(actions)
        }

        func readAll(_ bytes: ByteBuffer) throws -> [SessionEvent] {
            var copy = self
            return try copy.read(bytes)
        }
    }
}

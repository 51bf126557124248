import FaztRealtime
import NIOCore
import NIOWebSocket
import Testing

@Suite struct WebSocketSessionTests {
    private typealias Frames = WebSocketTestFrames

    /// Small limits, so the size and fragment rules are reached with small frames.
    private static let smallLimits: RealtimeLimits = {
        var limits = RealtimeLimits()
        limits.maxMessageBytes = 16
        limits.maxFragments = 4
        return limits
    }()

    // MARK: Messages

    @Test func deliversATextMessage() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.text, "héllo")) == [.alive, .text("héllo")])
        #expect(try session.receive(Frames.client(.text, "")) == [.alive, .text("")])
        #expect(session.state == .open)
    }

    @Test func deliversABinaryMessageUnmasked() throws {
        var session = WebSocketSession()
        let bytes: [UInt8] = [0, 1, 2, 0xFF, 0xFE, 0x80]
        #expect(try session.receive(Frames.client(.binary, bytes)) == [.alive, .binary(bytes)])
    }

    @Test func reassemblesTextWithACharacterSplitAcrossFragments() throws {
        var session = WebSocketSession()
        let bytes = Array("a€😀z".utf8)  // € is 3 bytes, 😀 4
        #expect(try session.receive(Frames.client(.text, Array(bytes[0..<2]), fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, Array(bytes[2..<6]), fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, Array(bytes[6..<7]), fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, Array(bytes[7...]))) == [.alive, .text("a€😀z")])
    }

    @Test func reassemblesBinaryFragmentsIncludingEmptyOnes() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.binary, [1, 2], fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, [], fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, [3])) == [.alive, .binary([1, 2, 3])])
        // The next message starts afresh.
        #expect(try session.receive(Frames.client(.binary, [4])) == [.alive, .binary([4])])
    }

    @Test func answersAPingBetweenFragments() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.text, "frag", fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.ping, [9, 8, 7])) == [.alive, .pong([9, 8, 7])])
        #expect(try session.receive(Frames.client(.pong, [1])) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, "mented")) == [.alive, .text("fragmented")])
    }

    @Test func aTextMessageAfterAFragmentedOneIsValidatedAfresh() throws {
        var session = WebSocketSession()
        // The first message ends on a complete scalar; the validator must not carry anything over.
        #expect(try session.receive(Frames.client(.text, [0xC3], fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, [0xA9])) == [.alive, .text("é")])
        #expect(try session.receive(Frames.client(.text, "ok")) == [.alive, .text("ok")])
    }

    // MARK: Ping and pong

    @Test func answersAPingWithAPongOfTheSamePayload() throws {
        var session = WebSocketSession()
        let payload = (0..<125).map { UInt8($0) }
        #expect(try session.receive(Frames.client(.ping, payload)) == [.alive, .pong(payload)])
        #expect(try session.receive(Frames.client(.ping)) == [.alive, .pong([])])
    }

    @Test func aPongOnlyKeepsTheSocketAlive() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.pong, [1, 2, 3])) == [.alive])
        #expect(session.state == .open)
    }

    // MARK: Frame rules

    @Test func refusesAnUnmaskedFrame() throws {
        var session = WebSocketSession()
        #expect(
            try session.receive(Frames.client(.text, Array("hi".utf8), masked: false)) == [
                .close(1002), .closeAfterWrite,
            ]
        )
        #expect(session.state == .closed)
        #expect(session.closeCode == 1002)
    }

    @Test(arguments: 1...3)
    func refusesReservedBits(bit: Int) throws {
        var session = WebSocketSession()
        let frame = Frames.client(.text, Array("hi".utf8), rsv1: bit == 1, rsv2: bit == 2, rsv3: bit == 3)
        #expect(try session.receive(frame) == [.close(1002), .closeAfterWrite])
    }

    @Test func allowsRSV1OnlyOnTheFirstFrameOfAMessageWhenAnExtensionAllowsIt() throws {
        var session = WebSocketSession()
        session.allowsRSV1 = true
        #expect(try session.receive(Frames.client(.binary, [1], fin: false, rsv1: true)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, [2], rsv1: true)) == [.close(1002), .closeAfterWrite])

        var control = WebSocketSession()
        control.allowsRSV1 = true
        #expect(try control.receive(Frames.client(.ping, [], rsv1: true)) == [.close(1002), .closeAfterWrite])
    }

    @Test(arguments: [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func refusesReservedOpcodes(code: UInt8) throws {
        var session = WebSocketSession()
        let opcode = try #require(WebSocketOpcode(encodedWebSocketOpcode: code))
        #expect(try session.receive(Frames.client(opcode, [1])) == [.close(1002), .closeAfterWrite])
    }

    @Test func refusesAContinuationWithoutAMessage() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.continuation, "x")) == [.alive, .close(1002), .closeAfterWrite])
    }

    @Test(arguments: [WebSocketOpcode.text, .binary])
    func refusesANewMessageBeforeTheFragmentedOneEnds(opcode: WebSocketOpcode) throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.text, "part", fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(opcode, [0x61])) == [.alive, .close(1002), .closeAfterWrite])
    }

    @Test func refusesControlFramesThatAreFragmentedOrTooLong() throws {
        // NIO's decoder refuses these before the session sees them; the session refuses them too.
        var fragmented = WebSocketSession()
        #expect(try fragmented.receive(Frames.client(.ping, [1], fin: false)) == [.close(1002), .closeAfterWrite])
        var long = WebSocketSession()
        let payload = [UInt8](repeating: 1, count: 126)
        #expect(try long.receive(Frames.client(.ping, payload)) == [.close(1002), .closeAfterWrite])
    }

    // MARK: Limits

    @Test func acceptsAMessageOfExactlyTheLimit() throws {
        var session = WebSocketSession(limits: Self.smallLimits)
        let bytes = [UInt8](repeating: 7, count: 16)
        #expect(try session.receive(Frames.client(.binary, bytes)) == [.alive, .binary(bytes)])
        #expect(try session.receive(Frames.client(.binary, Array(bytes[..<10]), fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, Array(bytes[10...]))) == [.alive, .binary(bytes)])
    }

    @Test func refusesAMessageOverTheLimit() throws {
        var session = WebSocketSession(limits: Self.smallLimits)
        #expect(
            try session.receive(Frames.client(.binary, [UInt8](repeating: 7, count: 17))) == [
                .alive, .close(1009), .closeAfterWrite,
            ]
        )
        #expect(session.closeCode == 1009)
    }

    @Test func refusesFragmentsThatAddUpOverTheLimit() throws {
        var session = WebSocketSession(limits: Self.smallLimits)
        #expect(try session.receive(Frames.client(.text, String(repeating: "a", count: 10), fin: false)) == [.alive])
        #expect(
            try session.receive(Frames.client(.continuation, String(repeating: "a", count: 7), fin: false)) == [
                .alive, .close(1009), .closeAfterWrite,
            ]
        )
    }

    @Test func acceptsExactlyMaxFragmentsFrames() throws {
        var session = WebSocketSession(limits: Self.smallLimits)
        #expect(try session.receive(Frames.client(.text, "a", fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, "b", fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, "c", fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, "d")) == [.alive, .text("abcd")])
    }

    @Test func refusesAFragmentFlood() throws {
        var session = WebSocketSession(limits: Self.smallLimits)
        #expect(try session.receive(Frames.client(.binary, [], fin: false)) == [.alive])
        for _ in 0..<3 {
            #expect(try session.receive(Frames.client(.continuation, [], fin: false)) == [.alive])
        }
        // Empty fragments cost nothing in bytes: only the fragment count stops them.
        #expect(
            try session.receive(Frames.client(.continuation, [], fin: false)) == [
                .alive, .close(1009), .closeAfterWrite,
            ]
        )
    }

    // MARK: UTF-8

    @Test func refusesInvalidUTF8InATextMessage() throws {
        var session = WebSocketSession()
        #expect(
            try session.receive(Frames.client(.text, [0x61, 0xED, 0xA0, 0x80])) == [
                .alive, .close(1007), .closeAfterWrite,
            ]
        )
        #expect(session.closeCode == 1007)
    }

    @Test func refusesInvalidUTF8OnTheFirstFragmentThatHasIt() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.text, "valid", fin: false)) == [.alive])
        // The message is not finished, but no continuation can make C0 valid.
        #expect(
            try session.receive(Frames.client(.continuation, [0xC0], fin: false)) == [
                .alive, .close(1007), .closeAfterWrite,
            ]
        )
    }

    @Test func refusesATextMessageEndingInsideACharacter() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.text, [0x61, 0xE2, 0x82], fin: false)) == [.alive])
        #expect(try session.receive(Frames.client(.continuation, [])) == [.alive, .close(1007), .closeAfterWrite])
    }

    @Test func doesNotValidateBinaryMessages() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.binary, [0xC0, 0xFF])) == [.alive, .binary([0xC0, 0xFF])])
    }

    // MARK: Close handshake started by the peer

    @Test func echoesThePeersCloseCode() throws {
        var session = WebSocketSession()
        let payload = Frames.closePayload(code: 1001, reason: Array("bye ☺".utf8))
        #expect(
            try session.receive(Frames.client(.connectionClose, payload)) == [.alive, .close(1001), .closeAfterWrite]
        )
        #expect(session.state == .closed)
        #expect(session.closeCode == 1001)
        #expect(session.closeReason == "bye ☺")
    }

    @Test func answersAnEmptyCloseWithAnEmptyClose() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.connectionClose)) == [.alive, .close(nil), .closeAfterWrite])
        #expect(session.closeCode == CloseCode.noStatusReceived)
        #expect(session.closeReason.isEmpty)
    }

    @Test func refusesACloseWithAOneBytePayload() throws {
        var session = WebSocketSession()
        #expect(
            try session.receive(Frames.client(.connectionClose, [0x03])) == [.alive, .close(1002), .closeAfterWrite]
        )
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65_535] as [UInt16])
    func refusesInvalidCloseCodes(code: UInt16) throws {
        var session = WebSocketSession()
        let frame = Frames.client(.connectionClose, Frames.closePayload(code: code))
        #expect(try session.receive(frame) == [.alive, .close(1002), .closeAfterWrite])
        #expect(session.closeCode == 1002)
    }

    @Test(
        arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]
            as [UInt16]
    )
    func echoesValidCloseCodes(code: UInt16) throws {
        var session = WebSocketSession()
        let frame = Frames.client(.connectionClose, Frames.closePayload(code: code))
        #expect(try session.receive(frame) == [.alive, .close(code), .closeAfterWrite])
    }

    @Test func refusesACloseReasonThatIsNotUTF8() throws {
        var session = WebSocketSession()
        let frame = Frames.client(.connectionClose, Frames.closePayload(code: 1000, reason: [0x61, 0xCE, 0xBA, 0xFF]))
        #expect(try session.receive(frame) == [.alive, .close(1007), .closeAfterWrite])
    }

    @Test func aCloseDropsTheUnfinishedMessage() throws {
        var session = WebSocketSession()
        #expect(try session.receive(Frames.client(.text, "half", fin: false)) == [.alive])
        #expect(
            try session.receive(Frames.client(.connectionClose, Frames.closePayload(code: 1000))) == [
                .alive, .close(1000), .closeAfterWrite,
            ]
        )
    }

    // MARK: Close handshake started by us

    @Test func ourCloseWaitsForThePeersClose() throws {
        var session = WebSocketSession()
        var actions: [WebSocketSession.Action] = []
        session.close(code: CloseCode.goingAway, reason: "restarting", into: &actions)
        #expect(try SessionEvent.of(actions) == [.close(1001)])
        #expect(session.state == .closing)
        #expect(session.closeCode == 1001)
        #expect(session.closeReason == "restarting")

        // Data is dropped and pings are not answered while we wait.
        #expect(try session.receive(Frames.client(.text, "late")) == [])
        #expect(try session.receive(Frames.client(.ping, [1])) == [])
        #expect(
            try session.receive(Frames.client(.connectionClose, Frames.closePayload(code: 1001))) == [.closeAfterWrite]
        )
        #expect(session.state == .closed)
        #expect(session.closeCode == 1001)
    }

    @Test func ourCloseFrameCarriesTheReason() throws {
        var session = WebSocketSession()
        var actions: [WebSocketSession.Action] = []
        session.close(code: CloseCode.slowConsumer, reason: "slow consumer", into: &actions)
        guard case .write(let bytes) = try #require(actions.first) else {
            Issue.record("expected a write, got \(actions)")
            return
        }
        var data = try WebSocketTestFrames.decode(bytes).data
        #expect(data.readInteger(as: UInt16.self) == 4008)
        #expect(String(buffer: data) == "slow consumer")
    }

    @Test func closeIsANoOpUnlessOpen() throws {
        var session = WebSocketSession()
        var actions: [WebSocketSession.Action] = []
        session.close(code: 1000, reason: "", into: &actions)
        actions.removeAll()
        session.close(code: 1001, reason: "again", into: &actions)
        #expect(actions.isEmpty)
        #expect(session.closeCode == 1000)

        var closed = WebSocketSession()
        _ = try closed.receive(Frames.client(.connectionClose))
        closed.close(code: 1000, reason: "", into: &actions)
        #expect(actions.isEmpty)
        #expect(closed.state == .closed)
    }

    @Test func aCloseTimeoutEndsTheHandshake() {
        var session = WebSocketSession()
        var actions: [WebSocketSession.Action] = []
        session.closeTimedOut(into: &actions)
        #expect(actions.isEmpty, "nothing to time out while open")
        #expect(session.state == .open)

        session.close(code: 1000, reason: "", into: &actions)
        actions.removeAll()
        session.closeTimedOut(into: &actions)
        #expect(actions == [.closeAfterWrite])
        #expect(session.state == .closed)
        actions.removeAll()
        session.closeTimedOut(into: &actions)
        #expect(actions.isEmpty)
    }

    // MARK: Parser errors and the closed state

    @Test func aFrameOverTheParsersLimitCloses1009() throws {
        var session = WebSocketSession()
        var actions: [WebSocketSession.Action] = []
        session.failed(.tooBig, into: &actions)
        #expect(try SessionEvent.of(actions) == [.close(1009), .closeAfterWrite])
        #expect(session.state == .closed)
    }

    @Test func aMalformedHeaderCloses1002() throws {
        var session = WebSocketSession()
        var actions: [WebSocketSession.Action] = []
        session.failed(.invalidHeader, into: &actions)
        #expect(try SessionEvent.of(actions) == [.close(1002), .closeAfterWrite])
    }

    @Test func aParserErrorWhileClosingClosesWithoutASecondCloseFrame() {
        var session = WebSocketSession()
        var actions: [WebSocketSession.Action] = []
        session.close(code: 1000, reason: "", into: &actions)
        actions.removeAll()
        session.failed(.tooBig, into: &actions)
        #expect(actions == [.closeAfterWrite])
        #expect(session.closeCode == 1000)
    }

    @Test func ignoresEverythingOnceClosed() throws {
        var session = WebSocketSession()
        _ = try session.receive(Frames.client(.text, "x", fin: false))
        _ = try session.receive(Frames.client(.binary, [1]))  // a protocol error: closed
        #expect(session.state == .closed)
        #expect(try session.receive(Frames.client(.text, "more")) == [])
        #expect(try session.receive(Frames.client(.ping)) == [])
        #expect(try session.receive(Frames.client(.connectionClose)) == [])
        var actions: [WebSocketSession.Action] = []
        session.failed(.tooBig, into: &actions)
        #expect(actions.isEmpty)
        #expect(session.closeCode == 1002)
    }
}

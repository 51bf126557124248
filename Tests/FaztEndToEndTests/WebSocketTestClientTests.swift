import FaztTestSupport
import Foundation
import Testing

/// The WebSocket test client against an independent server: a small RFC 6455 echo server in Node
/// (node's `http` and `crypto` only). Skipped where `node` is not installed.
@Suite struct WebSocketTestClientTests {
    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func handshakesAndEchoesTextAndBinaryOfEveryLengthEncoding() throws {
        let server = try NodeEchoServer()
        let client = try server.connect(headers: [("Origin", "http://chat.localhost:1")])
        #expect(client.handshakeHeaders["x-echo-origin"] == "http://chat.localhost:1", "extra headers are sent")
        try client.send(text: "héllo")
        #expect(try client.receive().text == "héllo")
        try client.send(binary: [0, 1, 2, 255])
        let binary = try client.receive()
        #expect(binary.opcode == WebSocketTestClient.Opcode.binary && binary.payload == [0, 1, 2, 255])
        // 7-bit, 16-bit and 64-bit payload lengths, both ways.
        for length in [125, 126, 65_535, 70_000] {
            try client.send(text: "big:\(length)")
            let frame = try client.receive()
            #expect(frame.payload.count == length && frame.fin && !frame.masked && frame.rsv == 0)
            let sent = String(repeating: "y", count: length)
            try client.send(text: sent)
            #expect(try client.receive().text == sent, "a \(length)-byte message echoes back")
        }
    }

    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func sendsRawFragmentsAndJoinsReceivedOnes() throws {
        let server = try NodeEchoServer()
        let client = try server.connect()
        try client.sendFrame(opcode: WebSocketTestClient.Opcode.text, payload: Array("{\"type\":".utf8), fin: false)
        try client.sendFrame(opcode: WebSocketTestClient.Opcode.continuation, payload: Array("\"joined\"}".utf8))
        #expect(try client.receiveJSON()["type"] as? String == "joined")
        // The server sends a fragmented message with a ping between the fragments.
        try client.send(text: "fragments")
        #expect(try client.receiveJSON()["type"] as? String == "frag")
        #expect(try client.receiveJSON(type: "pong-seen")["payload"] as? String == "", "the ping was answered")
        // Many frames in one write (a fragment flood is built this way).
        var flood: [UInt8] = []
        for index in 0..<50 {
            let opcode = index == 0 ? WebSocketTestClient.Opcode.text : WebSocketTestClient.Opcode.continuation
            flood += WebSocketTestClient.encodeFrame(opcode: opcode, payload: [UInt8(ascii: "a")], fin: index == 49)
        }
        try client.sendRaw(flood)
        #expect(try client.receive().text == String(repeating: "a", count: 50))
    }

    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func answersProtocolPingsAndReturnsJSONPingsUnlessSkipped() throws {
        let server = try NodeEchoServer()
        let client = try server.connect()
        // The server sends {"type":"ping"}, {"type":"after"}, then a protocol ping "hb".
        try client.send(text: "ping-me")
        #expect(try client.receiveJSON()["type"] as? String == "ping")
        #expect(try client.receiveJSON()["type"] as? String == "after")
        #expect(try client.receiveJSON()["payload"] as? String == "hb", "the protocol ping got a pong")
        try client.send(text: "ping-me")
        #expect(try client.receiveJSON(skipPings: true)["type"] as? String == "after")
        #expect(try client.receiveJSON(type: "pong-seen")["payload"] as? String == "hb")
        // A protocol ping from the client comes back as a pong.
        try client.ping([7, 8])
        let pong = try client.receive()
        #expect(pong.opcode == WebSocketTestClient.Opcode.pong && pong.payload == [7, 8])
    }

    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func reportsCloseCodesAndTheEndOfTheStream() throws {
        let server = try NodeEchoServer()
        let polite = try server.connect()
        try polite.sendClose(code: 1000, reason: "bye")
        let echoed = try polite.expectClose()
        #expect(echoed.code == 1000 && echoed.reason == "bye")

        let kicked = try server.connect()
        try kicked.send(text: "close:4008:slow consumer")
        let closed = try kicked.expectClose()
        #expect(closed.code == 4008 && closed.reason == "slow consumer")

        let dropped = try server.connect()
        try dropped.send(text: "drop")
        #expect(try dropped.expectClose().code == nil, "the end of the stream without a close frame")

        // Unmasked frames and RSV bits are protocol errors for this server too.
        let unmasked = try server.connect()
        try unmasked.sendFrame(opcode: WebSocketTestClient.Opcode.text, payload: [65], masked: false)
        #expect(try unmasked.expectClose().code == 1002)
        let reserved = try server.connect()
        try reserved.sendFrame(opcode: WebSocketTestClient.Opcode.text, payload: [65], rsv: 0b100)
        let reservedClose = try reserved.expectClose()
        #expect(reservedClose.code == 1002 && reservedClose.reason == "rsv")

        let gone = try server.connect()
        gone.closeAbruptly()
        #expect(throws: (any Error).self) { try gone.send(text: "after close") }
    }

    @Test(.enabled(if: NodeEchoServer.nodePath != nil, "needs node"))
    func refusalsAndBadAcceptsAreErrorsAndWaitsEnd() throws {
        let server = try NodeEchoServer()
        do {
            _ = try server.connect(path: "/refuse")
            Issue.record("a refused handshake returned a client")
        } catch let refused as WebSocketTestClient.HandshakeRefused {
            #expect(refused.status == 403 && refused.body == "no way" && refused.header("X-Why") == "test")
        }
        do {
            _ = try server.connect(omitting: ["Sec-WebSocket-Key"])
            Issue.record("a handshake without a key returned a client")
        } catch let refused as WebSocketTestClient.HandshakeRefused {
            #expect(refused.status == 403)
        }
        #expect(throws: TestError.self, "a wrong Sec-WebSocket-Accept is not accepted") {
            _ = try server.connect(path: "/bad-accept")
        }
        let quiet = try server.connect()
        let start = ContinuousClock.now
        #expect(throws: WebSocketTestClient.TimedOut.self) { _ = try quiet.receive(timeout: .milliseconds(200)) }
        #expect(try quiet.receiveJSONIfAny(timeout: .milliseconds(100)) == nil)
        #expect(ContinuousClock.now - start < .seconds(3))
        // The accept value of RFC 6455 §1.3's example.
        #expect(WebSocketTestClient.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}

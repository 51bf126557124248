import FaztTestSupport
import Foundation
import Testing

/// What the server does with hostile or broken clients: close codes of RFC 6455 and Fazt's 4008.
extension RealtimeTests {
    typealias Opcode = WebSocketTestClient.Opcode

    @Test func closesOversizedMessagesWith1009() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("big", manifest: Self.chatManifest)
        let reader = try server.socket("big")
        try reader.mustSubscribe("chat-big")

        // 400 KB is within the limit and reaches subscribers.
        let writer = try server.socket("big")
        try writer.publish("chat-big", data: String(repeating: "a", count: 400 * 1024))
        #expect((try reader.nextMessage(on: "chat-big")["data"] as? String)?.count == 400 * 1024)

        // 600 KB in one frame. The server may close before reading it all: sending may fail.
        let payload = Array(#"{"type":"publish","channel":"chat-big","data":""#.utf8)
        try? writer.send(
            text: String(decoding: payload, as: UTF8.self) + String(repeating: "b", count: 600 * 1024) + #""}"#
        )
        #expect(try writer.expectClose(timeout: .seconds(10)).code == 1009)

        // The same size in fragments of 64 KB.
        let fragmented = try server.socket("big")
        var frames: [UInt8] = []
        for index in 0..<10 {
            frames += WebSocketTestClient.encodeFrame(
                opcode: index == 0 ? Opcode.text : Opcode.continuation,
                payload: [UInt8](repeating: UInt8(ascii: "c"), count: 64 * 1024),
                fin: index == 9
            )
        }
        try? fragmented.sendRaw(frames)
        #expect(try fragmented.expectClose(timeout: .seconds(10)).code == 1009)
        // The reader is unaffected.
        _ = try server.mustPublish("big", "chat-big", json: #""still here""#)
        #expect(try reader.nextMessage(on: "chat-big")["data"] as? String == "still here")
    }

    @Test func closesInvalidUTF8With1007() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("utf", manifest: Self.chatManifest)
        let client = try server.socket("utf")
        try client.sendFrame(
            opcode: Opcode.text,
            payload: Array(#"{"type":"subscribe","channel":""#.utf8) + [0xC3, 0x28, 0x22, 0x7D]
        )
        #expect(try client.expectClose().code == 1007)
        // Split across fragments: the first ends inside a two-byte sequence that the second breaks.
        let split = try server.socket("utf")
        try split.sendFrame(opcode: Opcode.text, payload: [0x22, 0xE2, 0x82], fin: false)
        try? split.sendFrame(opcode: Opcode.continuation, payload: [0x41, 0x22])
        #expect(try split.expectClose().code == 1007)
    }

    @Test func closesProtocolViolationsWith1002() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("strict", manifest: Self.chatManifest)
        let badOpcode = try server.socket("strict")
        try badOpcode.sendFrame(opcode: 3, payload: [1])
        #expect(try badOpcode.expectClose().code == 1002, "opcode 3 is reserved")
        let reserved = try server.socket("strict")
        try reserved.sendFrame(opcode: Opcode.text, payload: Array(#"{"type":"pong"}"#.utf8), rsv: 0b100)
        #expect(try reserved.expectClose().code == 1002, "RSV1 without an extension that defines it")
        let unmasked = try server.socket("strict")
        try unmasked.sendFrame(opcode: Opcode.text, payload: Array(#"{"type":"pong"}"#.utf8), masked: false)
        #expect(try unmasked.expectClose().code == 1002, "RFC 6455 §5.1: client frames must be masked")
        let orphan = try server.socket("strict")
        try orphan.sendFrame(opcode: Opcode.continuation, payload: [0x41])
        #expect(try orphan.expectClose().code == 1002, "a continuation that continues nothing")
        let bigPing = try server.socket("strict")
        try bigPing.sendFrame(opcode: Opcode.ping, payload: [UInt8](repeating: 0, count: 126))
        #expect(try bigPing.expectClose().code == 1002, "control frames carry at most 125 bytes")
    }

    @Test func closesAFloodOfFragmentsWith1009() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("flood", manifest: Self.chatManifest)
        let client = try server.socket("flood")
        var frames: [UInt8] = []
        for index in 0..<2000 {
            frames += WebSocketTestClient.encodeFrame(
                opcode: index == 0 ? Opcode.text : Opcode.continuation,
                payload: [UInt8(ascii: " ")],
                fin: index == 1999
            )
        }
        try? client.sendRaw(frames)
        #expect(try client.expectClose().code == 1009)
    }

    @Test func closesASlowConsumerWith4008AndKeepsServingTheOthers() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("fire", manifest: #"{"realtime": {"channels": {"hose": {"history": 0}}}}"#)
        // A 4 KB receive window and no reading: what the server sends piles up on its side.
        let slow = try server.socket("fire", receiveBufferSize: 4096)
        try slow.mustSubscribe("hose")
        let fast = try server.socket("fire")
        try fast.mustSubscribe("hose")

        // 256 messages of 16 KB: 4 MB, four times the outbound budget.
        let padding = String(repeating: "x", count: 16 * 1024)
        for index in 1...256 {
            let offset = try server.mustPublish("fire", "hose", json: #"{"i":\#(index),"pad":"\#(padding)"}"#)
            let message = try fast.nextMessage(on: "hose")
            let data = message["data"] as? [String: Any]
            guard int(data?["i"]) == index, int(message["offset"]) == offset else {
                Issue.record("the fast subscriber got \(WebSocketTestClient.describe(message)) for \(index)")
                break
            }
        }
        // Reading now drains what was queued before the close frame.
        let closed = try slow.expectClose(timeout: .seconds(20))
        #expect(closed.code == 4008, "slow consumer: \(closed)")
        _ = try server.mustPublish("fire", "hose", json: #"{"i":257}"#)
        #expect(int((try fast.nextMessage(on: "hose")["data"] as? [String: Any])?["i"]) == 257)
        #expect(server.isRunning)
    }
}

extension RealtimeTests {
    @Test func pingsEverySocketAndClosesOneThatStaysSilent() throws {
        let server = try ServerProcess(arguments: ["--socket-ping-seconds", "1", "--socket-timeout-seconds", "2"])
        try server.deployRealtimeApp("beat", manifest: Self.chatManifest)
        let socket = try server.socket("beat")
        try socket.mustSubscribe("chat-1")
        // The heartbeat sends a JSON ping and a protocol ping; reading them is not an answer.
        var sawJSONPing = false
        var sawProtocolPing = false
        let deadline = ContinuousClock.now + .seconds(5)
        while !(sawJSONPing && sawProtocolPing), ContinuousClock.now < deadline {
            let frame = try socket.receive(timeout: .seconds(3))
            if frame.opcode == WebSocketTestClient.Opcode.ping { sawProtocolPing = true }
            if frame.opcode == WebSocketTestClient.Opcode.text, frame.text == #"{"type":"ping"}"# { sawJSONPing = true }
        }
        #expect(sawJSONPing && sawProtocolPing)
        // Nothing sent back: closed with 4012 once the timeout passes.
        var code: UInt16?
        while ContinuousClock.now < deadline + .seconds(5) {
            let frame = try socket.receive(timeout: .seconds(4))
            if frame.opcode == WebSocketTestClient.Opcode.close {
                code = frame.closeCode
                break
            }
        }
        #expect(code == 4012)
    }
}

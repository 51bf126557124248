import FaztRealtime
import FaztVFS
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

/// `SocketConnection` on an `EmbeddedChannel`: client frames in, server frames out, with a real hub.
@Suite struct SocketConnectionTests {
    final class Harness {
        let channel = EmbeddedChannel()
        let hub: RealtimeHub
        let socket: SocketConnection
        var now: Int64 = 1_000

        init(
            manifest: String =
                #"{"realtime": {"channels": {"chat-*": {"publish": true, "presence": true}, "private-*": {"auth": "token"}}}}"#,
            limits: RealtimeLimits = .init(),
            token: SocketToken? = nil
        ) throws {
            hub = RealtimeHub(limits: limits)
            let options = try Manifest.parse(Array(manifest.utf8)).realtime
            #expect(hub.admit(app: "chat", address: "127.0.0.1") == nil)
            let clock = ClockBox()
            socket = SocketConnection(
                socketID: "ws_test",
                eventLoop: channel.eventLoop,
                hub: hub,
                settings: .init(
                    app: "chat",
                    address: "127.0.0.1",
                    token: token,
                    tokenKey: Self.key,
                    options: { options },
                    clock: { clock.now }
                )
            )
            try channel.pipeline.syncOperations.addHandler(socket)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        static let key = SocketToken.appKey(master: Array(repeating: 7, count: 32), app: "chat")

        func send(_ text: String) throws {
            try channel.writeInbound(WebSocketTestFrames.wire(WebSocketTestFrames.client(.text, text)))
        }

        /// Every frame the socket wrote so far.
        func frames() throws -> [WebSocketFrame] {
            var frames: [WebSocketFrame] = []
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
                if buffer.readableBytes == 0 { continue }
                frames.append(try WebSocketTestFrames.decode(buffer))
            }
            return frames
        }

        /// The JSON texts of the text frames written so far.
        func messages() throws -> [String] {
            try frames().filter { $0.opcode == .text }.map { String(buffer: $0.unmaskedData) }
        }
    }

    final class ClockBox: @unchecked Sendable {
        var now: Int64 = 1_000
    }

    @Test func subscribeAnswersWithOffsetAndEpochAndPublishedMessagesFollow() throws {
        let harness = try Harness()
        try harness.send(#"{"type":"subscribe","channel":"chat-1"}"#)
        let subscribed = try harness.messages()
        #expect(subscribed.count == 1)
        #expect(subscribed[0].hasPrefix(#"{"type":"subscribed","channel":"chat-1","offset":0,"epoch":""#))
        harness.hub.publish(app: "chat", channel: "chat-1", data: "[1,2]", rule: .default, now: 5)
        harness.channel.embeddedEventLoop.run()
        let delivered = try harness.messages()
        #expect(delivered.contains { $0.contains(#""type":"message","channel":"chat-1","data":[1,2],"offset":1"#) })
    }

    @Test func clientsPublishOnlyWhereTheManifestOpensIt() throws {
        let harness = try Harness()
        try harness.send(#"{"type":"subscribe","channel":"news"}"#)
        try harness.send(#"{"type":"publish","channel":"news","data":1}"#)
        harness.channel.embeddedEventLoop.run()
        let refused = try harness.messages()
        #expect(refused.last?.contains(#""code":"publish_disabled""#) == true, "\(refused)")
        try harness.send(#"{"type":"subscribe","channel":"chat-9"}"#)
        try harness.send(#"{"type":"publish","channel":"chat-9","data":{"a":1}}"#)
        harness.channel.embeddedEventLoop.run()
        #expect(try harness.messages().contains { $0.contains(#""data":{"a":1}"#) })
    }

    @Test func tokenGatedChannelsNeedATokenThatNamesThem() throws {
        let harness = try Harness()
        try harness.send(#"{"type":"subscribe","channel":"private-a"}"#)
        #expect(try harness.messages().last?.contains(#""code":"unauthorized""#) == true)
        let other = SocketToken(app: "chat", user: "ann", channels: ["private-b"], expiresAtMs: 4_000_000_000_000)
        try harness.send(#"{"type":"subscribe","channel":"private-a","token":"\#(other.signed(key: Harness.key))"}"#)
        #expect(try harness.messages().last?.contains(#""code":"unauthorized""#) == true)
        let expired = SocketToken(app: "chat", user: "ann", channels: ["private-*"], expiresAtMs: 10)
        try harness.send(#"{"type":"subscribe","channel":"private-a","token":"\#(expired.signed(key: Harness.key))"}"#)
        #expect(try harness.messages().last?.contains(#""code":"unauthorized""#) == true)
        let good = SocketToken(app: "chat", user: "ann", channels: ["private-*"], expiresAtMs: 4_000_000_000_000)
        try harness.send(#"{"type":"subscribe","channel":"private-a","token":"\#(good.signed(key: Harness.key))"}"#)
        #expect(try harness.messages().last?.contains(#""type":"subscribed""#) == true)
    }

    @Test func aSocketThatCannotKeepUpIsClosedWith4008AndCounted() throws {
        let harness = try Harness()
        try harness.send(#"{"type":"subscribe","channel":"chat-1"}"#)
        _ = try harness.frames()
        harness.channel.isWritable = false
        harness.channel.pipeline.fireChannelWritabilityChanged()
        let closes = try harness.frames().filter { $0.opcode == .connectionClose }
        #expect(closes.count == 1)
        var payload = closes.first?.unmaskedData
        #expect(payload?.readInteger(as: UInt16.self) == CloseCode.slowConsumer)
        #expect(harness.hub.slowConsumerCloses == 1)
        // Nothing more is delivered to it.
        harness.hub.publish(app: "chat", channel: "chat-1", data: "1", rule: .default, now: 5)
        harness.channel.embeddedEventLoop.run()
        #expect(try harness.frames().isEmpty)
    }

    @Test func closingUnregistersAndAnswersTheCloseHandshake() throws {
        let harness = try Harness()
        try harness.send(#"{"type":"subscribe","channel":"chat-1"}"#)
        #expect(harness.hub.count(app: "chat", channel: "chat-1") == 1)
        try harness.channel.writeInbound(
            WebSocketTestFrames.wire(
                WebSocketTestFrames.client(.connectionClose, WebSocketTestFrames.closePayload(code: 1000))
            )
        )
        harness.channel.embeddedEventLoop.run()
        let closes = try harness.frames().filter { $0.opcode == .connectionClose }
        #expect(closes.count == 1)
        #expect(!harness.channel.isActive)
        #expect(harness.hub.count(app: "chat") == 0)
        #expect(harness.hub.count(app: "chat", channel: "chat-1") == 0)
    }

    @Test func appLevelPingIsAnsweredAndBinaryWithoutAHandlerIsRefused() throws {
        let harness = try Harness()
        try harness.send(#"{"type":"ping"}"#)
        #expect(try harness.messages() == [#"{"type":"pong"}"#])
        try harness.channel.writeInbound(WebSocketTestFrames.wire(WebSocketTestFrames.client(.binary, [1, 2, 3])))
        #expect(try harness.messages().last?.contains(#""code":"unsupported""#) == true)
        try harness.send(#"{"type":"presence","channel":"chat-1"}"#)
        #expect(try harness.messages().last?.contains(#""code":"not_subscribed""#) == true)
    }

    @Test func subscribesPastTheRateAreRefused() throws {
        var limits = RealtimeLimits()
        limits.subscribesPerSecond = 3
        let harness = try Harness(limits: limits)
        for n in 1...5 { try harness.send(#"{"type":"subscribe","channel":"chat-\#(n)"}"#) }
        let replies = try harness.messages()
        #expect(replies.filter { $0.contains(#""type":"subscribed""#) }.count == 3)
        #expect(replies.filter { $0.contains(#""code":"rate_limited""#) }.count == 2)
    }
}

import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import FaztServer

/// `HTTPHandler`'s connection behaviour with a stub responder: order, limits, early close and
/// backpressure, through an `EmbeddedChannel` (bytes in, bytes out, reads counted, no sockets).
@Suite struct HTTPHandlerConnectionTests {
    private final class Harness {
        let responder: StubResponder
        let reads = ReadCounter()
        let channel = EmbeddedChannel()

        init(maxBodyBytes: Int = 1024, maxQueuedParts: Int = 16) throws {
            responder = try StubResponder(maxBodyBytes: maxBodyBytes)
            let connectionGuard = ConnectionGuard(configuration: ServerConfiguration())
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(reads)
            try operations.addHandler(connectionGuard)
            try operations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try operations.addHandler(
                HTTPHandler(
                    responder: responder,
                    connectionGuard: connectionGuard,
                    dateCache: DateCache(),
                    activity: MemoryTrimmer.Activity(),
                    limits: .init(maxQueuedParts: maxQueuedParts)
                )
            )
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        /// Sends `text` as one read and returns everything written back.
        func exchange(_ text: String) throws -> String {
            try channel.writeInbound(ByteBuffer(string: text))
            return try written()
        }

        /// Everything written since the last call.
        func written() throws -> String {
            var output = ""
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                output += buffer.readString(length: buffer.readableBytes) ?? ""
            }
            return output
        }

        /// Asks for a read as the channel does after each read burst (autoRead) and says whether it
        /// reached the socket.
        func readReachesTheSocket() -> Bool {
            let before = reads.reads
            channel.read()
            return reads.reads > before
        }

        func setWritable(_ writable: Bool) {
            channel.isWritable = writable
            channel.pipeline.fireChannelWritabilityChanged()
        }

        func finish() {
            _ = try? channel.finish()
            responder.removeFiles()
        }
    }

    private static func get(_ path: String, host: String = "localhost") -> String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n"
    }

    /// The answered paths in `output`, in order.
    private func answers(_ output: String) -> [String] {
        output.components(separatedBy: "answer to ").dropFirst().map { String($0.prefix { $0 != "\n" }) }
    }

    @Test func pipelinedRequestsReachTheResponderOneAtATimeAndAreAnsweredInOrder() throws {
        let harness = try Harness()
        defer { harness.finish() }
        harness.responder.holdsReplies = true
        #expect(try harness.exchange(Self.get("/a") + Self.get("/b") + Self.get("/c")).isEmpty)
        #expect(harness.responder.pending.map(\.request.head.uri) == ["/a"])
        var output = ""
        for expected in ["/b", "/c"] {
            harness.responder.completeOldest()
            output += try harness.written()
            #expect(harness.responder.pending.map(\.request.head.uri) == [expected])
        }
        harness.responder.completeOldest()
        output += try harness.written()
        #expect(answers(output) == ["/a", "/b", "/c"])
        #expect(harness.channel.isActive)
    }

    @Test func readsPauseWhileTheChannelIsUnwritableAndResumeWhenItDrains() throws {
        let harness = try Harness()
        defer { harness.finish() }
        #expect(harness.readReachesTheSocket())
        harness.setWritable(false)
        // A client that does not read its answers: requests keep coming, reads must stop.
        _ = try harness.exchange(Self.get("/a") + Self.get("/b"))
        #expect(!harness.readReachesTheSocket())
        #expect(!harness.readReachesTheSocket())
        let before = harness.reads.reads
        harness.setWritable(true)
        #expect(harness.reads.reads == before + 1, "the held read is issued once writable again")
        #expect(harness.readReachesTheSocket())
    }

    @Test func pipelinedRequestsPastTheQueueLimitPauseReadsUntilAnswered() throws {
        let harness = try Harness(maxQueuedParts: 4)
        defer { harness.finish() }
        harness.responder.holdsReplies = true
        // /a is being answered; /b, /c, /d (two parts each) wait in the queue, past its limit.
        _ = try harness.exchange(Self.get("/a") + Self.get("/b") + Self.get("/c") + Self.get("/d"))
        #expect(!harness.readReachesTheSocket())
        let held = harness.reads.reads
        var output = ""
        for _ in 0..<2 {
            harness.responder.completeOldest()
            output += try harness.written()
            #expect(harness.reads.reads == held, "reads stay paused while requests are queued")
        }
        // Answering /c replays /d, the last queued request: the queue is empty and the read resumes.
        harness.responder.completeOldest()
        #expect(harness.reads.reads == held + 1)
        harness.responder.completeOldest()
        output += try harness.written()
        #expect(answers(output) == ["/a", "/b", "/c", "/d"])
    }

    @Test func aDeclaredBodyOverTheLimitGets413WithoutReachingTheResponder() throws {
        let harness = try Harness(maxBodyBytes: 10)
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /api/x HTTP/1.1\r\nHost: blog.localhost\r\nContent-Length: 11\r\n\r\n" + Self.get("/after")
        )
        #expect(output.hasPrefix("HTTP/1.1 413"))
        #expect(output.lowercased().contains("connection: close"))
        #expect(answers(output).isEmpty)
        #expect(harness.responder.requests.isEmpty)
        harness.channel.embeddedEventLoop.run()
        #expect(!harness.channel.isActive)
    }

    @Test func aChunkedBodyThatGrowsPastTheLimitGets413Once() throws {
        let harness = try Harness(maxBodyBytes: 10)
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /api/x HTTP/1.1\r\nHost: blog.localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "8\r\n12345678\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"
        )
        #expect(output.components(separatedBy: "HTTP/1.1 ").count == 2)
        #expect(output.hasPrefix("HTTP/1.1 413"))
        #expect(harness.responder.requests.isEmpty)
        harness.channel.embeddedEventLoop.run()
        #expect(!harness.channel.isActive)
    }

    @Test func aBodyWithinTheLimitReachesTheResponderWhole() throws {
        let harness = try Harness(maxBodyBytes: 10)
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /api/x HTTP/1.1\r\nHost: blog.localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n"
        )
        #expect(answers(output) == ["/api/x"])
        let body = harness.responder.requests.first?.bodyBuffer
        #expect(body.map { String(buffer: $0) } == "1234567890")
    }

    @Test func closingMidUploadRemovesTheSpoolFile() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /_fazt/api/v1/apps/blog/deploy HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer good\r\n"
                + "Content-Length: 100\r\n\r\n0123456789"
        )
        #expect(output.isEmpty)
        let path = try #require(harness.responder.spoolPaths.first)
        #expect(harness.responder.exists(path))
        try harness.channel.close().wait()
        harness.channel.embeddedEventLoop.run()
        #expect(!harness.responder.exists(path))
        #expect(harness.responder.requests.isEmpty)
    }

    @Test func anUploadWithABadTokenGets401AndItsSpoolFileIsRemoved() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /_fazt/api/v1/apps/blog/deploy HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer bad\r\n"
                + "Content-Length: 10\r\n\r\n0123456789"
        )
        #expect(output.hasPrefix("HTTP/1.1 401"))
        harness.channel.embeddedEventLoop.run()
        let path = try #require(harness.responder.spoolPaths.first)
        #expect(!harness.responder.exists(path))
        #expect(harness.responder.requests.isEmpty)
        #expect(!harness.channel.isActive)
    }

    @Test func aReplyThatCompletesAfterTheClientLeftWritesNothing() throws {
        let harness = try Harness()
        defer { harness.finish() }
        harness.responder.holdsReplies = true
        _ = try harness.exchange(Self.get("/slow") + Self.get("/next"))
        try harness.channel.close().wait()
        harness.responder.completeOldest()
        #expect(try harness.written().isEmpty)
        #expect(harness.responder.requests.count == 1)
    }

    @Test func aStreamedReplyWritesItsHeadThenPiecesAndStopsWhenTheConnectionCloses() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let stream = ManualStream()
        harness.responder.answer = { _ in
            var head = Response(status: .ok, body: ByteBuffer(string: ": following\n\n"))
            head.headers.add(name: "Content-Type", value: "text/event-stream")
            head.omitsLength = true
            return .stream(head, stream)
        }
        let output = try harness.exchange(Self.get("/follow") + Self.get("/after"))
        #expect(output.hasPrefix("HTTP/1.1 200"))
        #expect(output.lowercased().contains("connection: close"))
        #expect(!output.lowercased().contains("content-length"))
        #expect(output.hasSuffix("\r\n\r\n: following\n\n"))
        let sent = try #require(stream.send("data: 1\n\n"))
        try sent.wait()
        #expect(try harness.written() == "data: 1\n\n")
        #expect(harness.responder.requests.count == 1, "the stream owns the connection")
        #expect(!stream.stopped)
        try harness.channel.close().wait()
        #expect(stream.stopped)
    }
}

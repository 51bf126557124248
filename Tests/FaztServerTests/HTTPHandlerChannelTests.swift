import FaztStore
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import Testing

@testable import FaztServer

/// `HTTPHandler` driven through an `EmbeddedChannel`: bytes in, bytes out, no sockets.
///
/// Only routes answered on the loop (the owner pages on the bare domain) are used, so every response is
/// written before `writeInbound` returns.
@Suite struct HTTPHandlerChannelTests {
    private final class Harness {
        let directory: String
        let pool = NIOThreadPool(numberOfThreads: 1)
        let services: ServerServices
        let channel = EmbeddedChannel()

        init(maxBodyBytes: Int = 1024) throws {
            directory = NSTemporaryDirectory() + "/fazt-http-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = ServerConfiguration()
            configuration.maxBodyBytes = maxBodyBytes
            let store = try Store(path: directory + "/fazt.db")
            let logger = Logger(label: "test")
            pool.start()
            let trimmer = MemoryTrimmer(store: store, activities: [], idleAfter: .seconds(60), logger: logger)
            services = try ServerServices(
                configuration: configuration,
                store: store,
                threadPool: pool,
                logger: logger,
                trimmer: trimmer
            )
            let connectionGuard = ConnectionGuard(configuration: configuration)
            let operations = channel.pipeline.syncOperations
            try operations.addHandler(connectionGuard)
            try operations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try operations.addHandler(
                HTTPHandler(
                    responder: FaztResponder(services: services),
                    connectionGuard: connectionGuard,
                    dateCache: DateCache(),
                    activity: MemoryTrimmer.Activity()
                )
            )
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        /// Sends `text` as one read and returns everything written back.
        func exchange(_ text: String) throws -> String {
            try channel.writeInbound(ByteBuffer(string: text))
            var output = ""
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                output += buffer.readString(length: buffer.readableBytes) ?? ""
            }
            return output
        }

        func finish() {
            _ = try? channel.finish()
            try? pool.syncShutdownGracefully()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The status codes of the responses in `output`, in order (a body can end without a newline).
    private func statusLines(_ output: String) -> [String] {
        output.components(separatedBy: "HTTP/1.1 ").dropFirst().map { "HTTP/1.1 " + $0.prefix(3) }
    }

    @Test func pipelinedRequestsInOneReadAreAnsweredInOrder() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let output = try harness.exchange(
            "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
                + "GET /no-such-page HTTP/1.1\r\nHost: localhost\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        let lines = statusLines(output)
        #expect(lines == ["HTTP/1.1 200", "HTTP/1.1 404", "HTTP/1.1 200"])
        #expect(harness.channel.isActive)
    }

    @Test func declaredBodyOverTheLimitGets413AndCloses() throws {
        let harness = try Harness(maxBodyBytes: 10)
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        #expect(statusLines(output).map { String($0.prefix(12)) } == ["HTTP/1.1 413"])
        #expect(output.contains("--max-body-mb"))
        #expect(output.lowercased().contains("connection: close"))
        harness.channel.embeddedEventLoop.run()
        #expect(!harness.channel.isActive)
    }

    @Test func chunkedBodyOverTheLimitGets413Once() throws {
        let harness = try Harness(maxBodyBytes: 10)
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "8\r\n12345678\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"
        )
        #expect(statusLines(output).map { String($0.prefix(12)) } == ["HTTP/1.1 413"])
        harness.channel.embeddedEventLoop.run()
        #expect(!harness.channel.isActive)
    }

    @Test func closingMidBodyLeavesNothingBehind() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let output = try harness.exchange("POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nabc")
        #expect(output.isEmpty)
        try harness.channel.close().wait()
        #expect(!harness.channel.isActive)
        #expect(try harness.channel.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test func expectContinueGets100BeforeTheBodyThenTheResponse() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let interim = try harness.exchange(
            "POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        )
        #expect(statusLines(interim) == ["HTTP/1.1 100"])
        let final = try harness.exchange("abc")
        #expect(statusLines(final).count == 1)
        #expect(statusLines(final).first != "HTTP/1.1 100")
        #expect(harness.channel.isActive)
    }

    @Test func controlRouteWithoutTokenGets401BeforeTheSizeCheck() throws {
        let harness = try Harness(maxBodyBytes: 10)
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /_fazt/api/v1/apps HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\n\r\n"
        )
        #expect(statusLines(output) == ["HTTP/1.1 401"])
        harness.channel.embeddedEventLoop.run()
        #expect(!harness.channel.isActive)
    }

    @Test func uploadWithoutTokenGets401BeforeItsBody() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let output = try harness.exchange(
            "POST /_fazt/api/v1/apps/blog/deploy HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                + "Expect: 100-continue\r\n\r\n"
        )
        #expect(statusLines(output) == ["HTTP/1.1 401"])
        #expect(try harness.exchange("hello").isEmpty)
    }
}

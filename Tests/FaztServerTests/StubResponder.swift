import Foundation
import NIOCore
import NIOHTTP1

@testable import FaztServer

/// A responder for `HTTPHandler` tests: it records what reaches it and answers each request either at
/// once or when the test says so, so tests can hold a reply back while more requests arrive.
final class StubResponder: HTTPResponder, @unchecked Sendable {
    // Safe: every test drives its `EmbeddedChannel` from one thread, and this stub is only called
    // from that channel's handlers or from the test itself.
    private let configuration: ServerConfiguration
    /// Where upload bodies are spooled.
    let spoolDirectory: String
    /// Hold every reply until `complete` is called.
    var holdsReplies = false
    /// What the next reply is, for a request, when the test does not say.
    var answer: (RoutedRequest) -> Reply = { request in
        .full(Response.text(.ok, "answer to \(request.head.uri)\n"))
    }
    /// Every request that reached `reply(to:on:)`, in order.
    private(set) var requests: [RoutedRequest] = []
    /// Replies being held, oldest first.
    private(set) var pending: [(request: RoutedRequest, done: @Sendable (Reply) -> Void)] = []
    /// Every spool file handed out.
    private(set) var spoolPaths: [String] = []

    init(maxBodyBytes: Int = 1024) throws {
        var configuration = ServerConfiguration()
        configuration.maxBodyBytes = maxBodyBytes
        self.configuration = configuration
        spoolDirectory = NSTemporaryDirectory() + "/fazt-stub-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: spoolDirectory, withIntermediateDirectories: true)
    }

    func policy(for head: HTTPRequestHead) -> RequestPolicy {
        RequestPolicy(head: head, configuration: configuration)
    }

    func authorize(token: String, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        loop.makeSucceededFuture(token == "good")
    }

    func makeSpoolFile() throws -> SpoolFile {
        let path = spoolDirectory + "/upload-\(spoolPaths.count)"
        spoolPaths.append(path)
        return try SpoolFile(path: path)
    }

    func write(_ chunk: ByteBuffer, to file: SpoolFile, on loop: any EventLoop) -> EventLoopFuture<Void> {
        // Written at once: an `EmbeddedEventLoop` must not be completed from a thread pool.
        loop.makeCompletedFuture { try file.write(chunk) }
    }

    func reply(to request: RoutedRequest, on loop: any EventLoop, done: @escaping @Sendable (Reply) -> Void) {
        requests.append(request)
        guard holdsReplies else { return done(answer(request)) }
        pending.append((request, done))
    }

    /// Completes the oldest held reply with the default answer.
    func completeOldest() {
        let (request, done) = pending.removeFirst()
        done(answer(request))
    }

    /// Whether a file exists at `path`.
    func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    func removeFiles() {
        try? FileManager.default.removeItem(atPath: spoolDirectory)
    }
}

/// Counts the reads that reach the socket end of the pipeline.
final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
    // Safe: used on one `EmbeddedChannel`'s thread only.
    typealias OutboundIn = ByteBuffer
    private(set) var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

/// A stream the test writes pieces through.
final class ManualStream: ResponseStream, @unchecked Sendable {
    // Safe: used on one `EmbeddedChannel`'s thread only.
    private var write: ((ByteBuffer) -> EventLoopFuture<Void>)?
    private(set) var stopped = false

    func start(on loop: any EventLoop, write: @escaping (ByteBuffer) -> EventLoopFuture<Void>) {
        self.write = write
    }

    func stop() { stopped = true }

    /// Writes `text`; the future completes once it is handed to the channel.
    func send(_ text: String) -> EventLoopFuture<Void>? {
        write?(ByteBuffer(string: text))
    }
}

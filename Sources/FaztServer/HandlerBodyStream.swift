import Foundation
import NIOCore
import NIOHTTP1

/// A handler's `ReadableStream` body on its way to the HTTP caller, one chunk per `enqueue`.
///
/// Chunks may arrive before the connection takes the stream: they wait here, up to
/// `maxPendingBytes` (past that the stream breaks off: a client that reads nothing cannot make
/// the daemon hold an unbounded body). HTTP/1.1 callers get chunked transfer coding, each chunk
/// written and flushed as it comes; HTTP/1.0 callers a body that ends when the connection closes.
/// A body that breaks off (`finish(error:)`) closes the connection without the last chunk, so the
/// client sees it truncated.
final class HandlerBodyStream: FiniteResponseStream, @unchecked Sendable {
    // Safe: every mutable field is touched under `lock`.
    private let lock = NSLock()
    private var pending: [[UInt8]] = []
    private var pendingBytes = 0
    private var ended: String?? = nil
    private var loop: (any EventLoop)?
    private var write: ((ByteBuffer) -> EventLoopFuture<Void>)?
    private var end: (() -> Void)?
    private var stopped = false
    private let chunked: Bool

    /// Most bytes held for a connection that has not taken the stream yet.
    static let maxPendingBytes = 16 << 20

    init(chunked: Bool) {
        self.chunked = chunked
    }

    /// The head: the handler's status and headers, framed for a body of unknown length.
    static func head(_ response: Response, chunked: Bool) -> Response {
        var head = response
        head.headers.remove(name: "Content-Length")
        head.headers.remove(name: "Transfer-Encoding")
        if chunked { head.headers.add(name: "Transfer-Encoding", value: "chunked") }
        head.headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        head.body = ByteBuffer()
        head.omitsLength = true
        return head
    }

    /// One chunk, from any thread: written at once when the connection has the stream.
    func send(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        lock.lock()
        guard ended == nil, !stopped else {
            lock.unlock()
            return
        }
        guard let loop else {
            pending.append(bytes)
            pendingBytes += bytes.count
            let over = pendingBytes > Self.maxPendingBytes
            lock.unlock()
            if over { finish(error: "the client did not take the body") }
            return
        }
        lock.unlock()
        loop.execute { [self] in
            let write = lock.withLock { self.write }
            _ = write?(frame(bytes))
        }
    }

    /// The body is over: complete (`error` nil) or broken off.
    func finish(error: String?) {
        lock.lock()
        guard ended == nil else {
            lock.unlock()
            return
        }
        ended = .some(error)
        guard let loop else {
            lock.unlock()
            return
        }
        lock.unlock()
        loop.execute { [self] in close(error: error) }
    }

    private func close(error: String?) {
        let (write, end) = lock.withLock { (self.write, self.end) }
        if error == nil, chunked {
            _ = write?(ByteBuffer(string: "0\r\n\r\n"))
        }
        // Both ways the connection closes after what was written; a truncated chunked body lacks
        // its last chunk, which is how the client learns it broke off.
        end?()
    }

    private func frame(_ bytes: [UInt8]) -> ByteBuffer {
        guard chunked else { return ByteBuffer(bytes: bytes) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bytes.count + 12)
        buffer.writeString(String(bytes.count, radix: 16) + "\r\n")
        buffer.writeBytes(bytes)
        buffer.writeString("\r\n")
        return buffer
    }

    func start(
        on loop: any EventLoop,
        write: @escaping (ByteBuffer) -> EventLoopFuture<Void>,
        end: @escaping () -> Void
    ) {
        lock.lock()
        let waiting = pending
        let over = ended
        pending = []
        pendingBytes = 0
        self.loop = loop
        self.write = write
        self.end = end
        lock.unlock()
        for bytes in waiting { _ = write(frame(bytes)) }
        if let over { close(error: over) }
    }

    func stop() {
        lock.withLock { stopped = true }
    }
}

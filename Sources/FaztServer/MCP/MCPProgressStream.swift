import Foundation
import NIOCore

/// The SSE answer of a tool call that streams progress.
///
/// `notifications/progress` events come as the tool reports steps, then the JSON-RPC response, then
/// the end of the stream. Events that come before the connection starts the stream wait for it.
/// Stopping (the client left) cancels the call.
final class MCPProgressStream: FiniteResponseStream, @unchecked Sendable {
    // Safe: every field is guarded by `lock`.
    private let lock = NSLock()
    private var pending: [String] = []
    private var finished = false
    private var loop: (any EventLoop)?
    private var write: ((ByteBuffer) -> EventLoopFuture<Void>)?
    private var end: (() -> Void)?
    private var onStop: (@Sendable () -> Void)?

    /// Runs `onStop` once if the client goes away before the answer is written.
    func whenStopped(_ body: @escaping @Sendable () -> Void) {
        lock.withLock { onStop = body }
    }

    /// One SSE event carrying `json` (a JSON-RPC message); `last` ends the stream after it.
    func send(_ json: String, last: Bool = false) {
        let event = "event: message\ndata: \(json)\n\n"
        let target = lock.withLock { () -> (any EventLoop)? in
            if last { finished = true }
            if loop == nil { pending.append(event) }
            return loop
        }
        guard let target else { return }
        target.execute { [self] in
            let (write, end) = lock.withLock { (self.write, self.end) }
            _ = write?(ByteBuffer(string: event))
            if last { end?() }
        }
    }

    func start(
        on loop: any EventLoop,
        write: @escaping (ByteBuffer) -> EventLoopFuture<Void>,
        end: @escaping () -> Void
    ) {
        let (waiting, over) = lock.withLock { () -> ([String], Bool) in
            defer { pending = [] }
            self.loop = loop
            self.write = write
            self.end = end
            return (pending, finished)
        }
        // Keep-alive first: proxies see the stream open at once.
        _ = write(ByteBuffer(string: ": fazt mcp\n\n" + waiting.joined()))
        if over { end() }
    }

    func stop() {
        let body = lock.withLock { () -> (@Sendable () -> Void)? in
            defer { onStop = nil }
            return finished ? nil : onStop
        }
        body?()
    }
}

import NIOCore
import NIOPosix

/// What a server-sent-events stream follows.
enum FollowTarget: Sendable {
    /// An app's log (`GET /apps/{name}/logs?follow=1`).
    case logs(app: String, after: Int64?)
    /// The owner's notification inbox (`GET /notifications?follow=1`).
    case notifications(after: Int64?)
}

/// Polls a source every 500 ms on an event loop and writes new entries, as SSE text, to the stream.
final class StreamFollower: ResponseStream, @unchecked Sendable {
    // Safe: all state is touched on the channel's event loop only: `start` runs there, every poll
    // completes there, and `stop` is called from the channel's close future, which runs there too.
    private var last: Int64?
    private let pool: NIOThreadPool
    private let read: @Sendable (Int64?) throws -> (text: String, last: Int64?)
    private var stopped = false
    private var quietTicks = 0

    init(after: Int64?, pool: NIOThreadPool, read: @escaping @Sendable (Int64?) throws -> (text: String, last: Int64?))
    {
        self.last = after
        self.pool = pool
        self.read = read
    }

    func start(on loop: any EventLoop, write: @escaping (ByteBuffer) -> EventLoopFuture<Void>) {
        // Pieces are small and paced by the poll: no need to wait for each write.
        poll(on: loop) { text in _ = write(ByteBuffer(string: text)) }
    }

    func stop() { stopped = true }

    private func poll(on loop: any EventLoop, sink: @escaping (String) -> Void) {
        guard !stopped else { return }
        let (since, read) = (last, self.read)
        pool.runIfActive(eventLoop: loop) { try read(since) }
            .assumeIsolated().whenComplete { [self] result in
                guard !stopped else { return }
                if case .success(let (text, newest)) = result { deliver(text, newest: newest, sink: sink) }
                loop.assumeIsolated().scheduleTask(in: .milliseconds(500)) { [self] in
                    self.poll(on: loop, sink: sink)
                }
            }
    }

    private func deliver(_ entries: String, newest: Int64?, sink: (String) -> Void) {
        var text = entries
        last = newest ?? last ?? 0
        quietTicks = text.isEmpty ? quietTicks + 1 : 0
        if quietTicks >= 30 {
            text = ": ping\n\n"  // keeps proxies from closing an idle stream
            quietTicks = 0
        }
        if !text.isEmpty { sink(text) }
    }
}

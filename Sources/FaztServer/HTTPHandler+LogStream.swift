import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

extension HTTPHandler {
    /// Streams an app's log as server-sent events until the client goes away.
    ///
    /// The connection is dedicated to the stream and closes with it. New lines are polled off the
    /// event loop.
    func streamLogs(context: ChannelHandlerContext, head: HTTPRequestHead, app: String, after: Int64?) {
        let start =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
            + "Connection: close\r\nDate: \(dateCache.value)\r\n\r\n: following \(app)\n\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: start)), promise: nil)
        let follower = LogFollower(app: app, after: after, logs: services.logs, pool: services.threadPool)
        follower.run(context: context) { [self] text in
            context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
        context.channel.closeFuture.whenComplete { _ in follower.stop() }
    }
}

/// Polls one app's log every 500 ms on an event loop and hands new lines, as SSE events, to a sink.
final class LogFollower: @unchecked Sendable {
    // Safe: all state is touched on the channel's event loop only, except `stopped`, which is an
    // atomic-like flag read on that loop after `stop` ran there (closeFuture callbacks run on it).
    private let app: String
    private var last: Int64?
    private let logs: AppLogs
    private let pool: NIOThreadPool
    private var stopped = false
    private var quietTicks = 0

    init(app: String, after: Int64?, logs: AppLogs, pool: NIOThreadPool) {
        self.app = app
        self.last = after
        self.logs = logs
        self.pool = pool
    }

    func stop() { stopped = true }

    func run(context: ChannelHandlerContext, sink: @escaping (String) -> Void) {
        guard !stopped else { return }
        let loop = context.eventLoop
        let (app, since, logs) = (self.app, last, self.logs)
        pool.runIfActive(eventLoop: loop) { try logs.read(app: app, after: since, limit: since == nil ? 100 : 500) }
            .assumeIsolated().whenComplete { [self] result in
                guard !stopped else { return }
                if case .success(let entries) = result { deliver(entries, sink: sink) }
                loop.assumeIsolated().scheduleTask(in: .milliseconds(500)) { [self] in
                    self.run(context: context, sink: sink)
                }
            }
    }

    private func deliver(_ entries: [LogEntry], sink: (String) -> Void) {
        var text = ""
        for entry in entries {
            var json = JSONText()
            json.raw("{\"id\":\(entry.id),\"at\":\(entry.at),\"level\":")
            json.string(entry.level)
            json.raw(",\"message\":")
            json.string(entry.message)
            json.raw("}")
            text += "id: \(entry.id)\nevent: log\ndata: \(json.text)\n\n"
        }
        last = entries.last?.id ?? last ?? 0
        quietTicks = text.isEmpty ? quietTicks + 1 : 0
        if quietTicks >= 30 {
            text = ": ping\n\n"  // keeps proxies from closing an idle stream
            quietTicks = 0
        }
        if !text.isEmpty { sink(text) }
    }
}

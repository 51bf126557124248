import FaztKernel
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// What a server-sent-events stream follows.
enum FollowTarget: Sendable {
    /// An app's log (`GET /apps/{name}/logs?follow=1`).
    case logs(app: String, after: Int64?)
    /// The owner's notification inbox (`GET /notifications?follow=1`).
    case notifications(after: Int64?)
}

extension HTTPHandler {
    /// Streams new entries as server-sent events until the client goes away.
    ///
    /// The connection is dedicated to the stream and closes with it. New entries are polled off
    /// the event loop.
    func stream(context: ChannelHandlerContext, head: HTTPRequestHead, target: FollowTarget) {
        let read: @Sendable (Int64?) throws -> (text: String, last: Int64?)
        let label: String
        let after: Int64?
        switch target {
        case .logs(let app, let start):
            let logs = services.logs
            label = app
            after = start
            read = { since in
                let entries = try logs.read(app: app, after: since, limit: since == nil ? 100 : 500)
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
                return (text, entries.last?.id)
            }
        case .notifications(let start):
            let inbox = services.notifier
            label = "notifications"
            after = start
            read = { since in
                let items = try inbox.list(after: since, limit: since == nil ? 20 : 500)
                let text = items.map { "id: \($0.id)\nevent: notification\ndata: \(Notifier.json($0))\n\n" }.joined()
                return (text, items.last?.id)
            }
        }
        let start =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
            + "Connection: close\r\nDate: \(dateCache.value)\r\n\r\n: following \(label)\n\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: start)), promise: nil)
        let follower = StreamFollower(after: after, pool: services.threadPool, read: read)
        follower.run(context: context) { [self] text in
            context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
        context.channel.closeFuture.whenComplete { _ in follower.stop() }
    }
}

/// Polls a source every 500 ms on an event loop and hands new entries, as SSE text, to a sink.
final class StreamFollower: @unchecked Sendable {
    // Safe: all state is touched on the channel's event loop only, except `stopped`, which is an
    // atomic-like flag read on that loop after `stop` ran there (closeFuture callbacks run on it).
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

    func stop() { stopped = true }

    func run(context: ChannelHandlerContext, sink: @escaping (String) -> Void) {
        guard !stopped else { return }
        let loop = context.eventLoop
        let (since, read) = (last, self.read)
        pool.runIfActive(eventLoop: loop) { try read(since) }
            .assumeIsolated().whenComplete { [self] result in
                guard !stopped else { return }
                if case .success(let (text, newest)) = result { deliver(text, newest: newest, sink: sink) }
                loop.assumeIsolated().scheduleTask(in: .milliseconds(500)) { [self] in
                    self.run(context: context, sink: sink)
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

import NIOCore
import Synchronization

/// Open HTTP connections, so shutdown can ask each to finish its request and close.
final class ConnectionRegistry: Sendable {
    private struct State {
        var connections: [ObjectIdentifier: (Channel, NIOLoopBound<ConnectionGuard>)] = [:]
        /// Run once no connection is open (shutdown waits on this).
        var emptyWaiters: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    /// Tracks an HTTP connection until `remove` (its guard leaving the pipeline).
    func add(_ channel: Channel, _ connectionGuard: ConnectionGuard) {
        let bound = NIOLoopBound(connectionGuard, eventLoop: channel.eventLoop)
        state.withLock { $0.connections[ObjectIdentifier(channel)] = (channel, bound) }
    }

    /// Forgets a connection: it closed, or a WebSocket took it over (the realtime hub tracks those).
    func remove(_ key: ObjectIdentifier) {
        let waiters = state.withLock { state -> [@Sendable () -> Void] in
            guard state.connections.removeValue(forKey: key) != nil, state.connections.isEmpty else { return [] }
            defer { state.emptyWaiters.removeAll() }
            return state.emptyWaiters
        }
        for body in waiters { body() }
    }

    var count: Int { state.withLock { $0.connections.count } }

    /// Runs `body` once no connection is open (at once when none is).
    func whenEmpty(_ body: @escaping @Sendable () -> Void) {
        let empty = state.withLock { state in
            if !state.connections.isEmpty { state.emptyWaiters.append(body) }
            return state.connections.isEmpty
        }
        if empty { body() }
    }

    /// Closes idle connections now and busy ones after their current response.
    func drainAll() {
        for (channel, bound) in state.withLock({ Array($0.connections.values) }) {
            channel.eventLoop.execute { bound.value.drain() }
        }
    }

    /// Closes whatever is still open (after the grace period).
    func closeAll() {
        for (channel, _) in state.withLock({ Array($0.connections.values) }) {
            channel.close(promise: nil)
        }
    }
}

/// Answers 429 and closes, for a client over its connection limit.
final class TooManyConnectionsHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        let text = "too many connections from your address\n"
        let response =
            "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
            + "Content-Length: \(text.utf8.count)\r\n\r\n\(text)"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

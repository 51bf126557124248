import NIOCore
import Synchronization

/// Open connections, so shutdown can ask each to finish its request and close.
final class ConnectionRegistry: Sendable {
    private let connections = Mutex([ObjectIdentifier: (Channel, NIOLoopBound<ConnectionGuard>)]())

    func add(_ channel: Channel, _ connectionGuard: ConnectionGuard) {
        let key = ObjectIdentifier(channel)
        let bound = NIOLoopBound(connectionGuard, eventLoop: channel.eventLoop)
        connections.withLock { $0[key] = (channel, bound) }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.connections.withLock { $0.removeValue(forKey: key) }
        }
    }

    var count: Int { connections.withLock { $0.count } }

    /// Closes idle connections now and busy ones after their current response.
    func drainAll() {
        for (channel, bound) in connections.withLock({ Array($0.values) }) {
            channel.eventLoop.execute { bound.value.drain() }
        }
    }

    /// Closes whatever is still open (after the grace period).
    func closeAll() {
        for (channel, _) in connections.withLock({ Array($0.values) }) {
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

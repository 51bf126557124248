import NIOCore
import NIOHTTP1

/// A WebSocket handshake the responder accepted: the `Sec-WebSocket-Accept` value and the handler
/// that takes the connection over.
struct SocketUpgrade: Sendable {
    let accept: String
    /// The `Sec-WebSocket-Extensions` answer (permessage-deflate), when one was negotiated.
    let extensions: String?
    /// Builds the socket's handler on the connection's loop.
    let makeHandler: @Sendable (any EventLoop) -> any ChannelHandler & Sendable
    /// The connection closed before the socket took over: gives back the slot taken for it.
    let abandoned: @Sendable () -> Void
}

extension HTTPHandler {
    /// Writes the 101 and replaces the HTTP handlers (decoder, connection guard, this handler) with
    /// the socket's handler, which parses the frames itself (`WebSocketFrameParser`).
    ///
    /// A handshake is never pipelined behind other requests' replies in practice, but if requests
    /// were queued behind it they are dropped: the bytes after it are WebSocket frames.
    func upgrade(context: ChannelHandlerContext, _ upgrade: SocketUpgrade) {
        guard machine.state != .closing, context.channel.isActive else {
            upgrade.abandoned()
            return
        }
        var head = context.channel.allocator.buffer(capacity: 160)
        head.writeString(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: \(upgrade.accept)\r\n"
                + (upgrade.extensions.map { "Sec-WebSocket-Extensions: \($0)\r\n" } ?? "") + "\r\n"
        )
        context.writeAndFlush(wrapOutboundOut(head), promise: nil)
        machine.closed()
        activity.touch()
        let operations = context.pipeline.syncOperations
        do {
            let socket = upgrade.makeHandler(context.eventLoop)
            try operations.addHandler(socket, position: .last)
            operations.removeHandler(self, promise: nil)
            operations.removeHandler(connectionGuard, promise: nil)
            // The guard's removal forgets the HTTP connection and gives its slot back.
            operations.removeHandler(name: Self.decoderName, promise: nil)
        } catch {
            upgrade.abandoned()
            context.close(promise: nil)
        }
    }
}

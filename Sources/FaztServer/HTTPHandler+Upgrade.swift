import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// A WebSocket handshake the responder accepted: the `Sec-WebSocket-Accept` value and the handler
/// that takes the connection over.
struct SocketUpgrade: Sendable {
    let accept: String
    /// The `Sec-WebSocket-Extensions` answer (permessage-deflate), when one was negotiated.
    let extensions: String?
    /// Largest frame the decoder accepts (the message limit: a single frame cannot exceed it).
    let maxFrameBytes: Int
    /// Builds the socket's handler on the connection's loop.
    let makeHandler: @Sendable (any EventLoop) -> any ChannelHandler & Sendable
    /// The connection closed before the socket took over: gives back the slot taken for it.
    let abandoned: @Sendable () -> Void
}

extension HTTPHandler {
    /// Writes the 101 and replaces the HTTP handlers (decoder, connection guard, this handler) with
    /// the WebSocket frame decoder and the socket's handler.
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
            try operations.addHandler(
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: upgrade.maxFrameBytes)),
                position: .after(self)
            )
            let socket = upgrade.makeHandler(context.eventLoop)
            try operations.addHandler(socket, position: .last)
            operations.removeHandler(self, promise: nil)
            operations.removeHandler(connectionGuard, promise: nil)
            operations.removeHandler(name: Self.decoderName, promise: nil)
            upgraded()
        } catch {
            upgrade.abandoned()
            context.close(promise: nil)
        }
    }
}

/// Gives a connection slot back once, whoever calls first (a slot released at upgrade or at close).
final class SlotRelease: Sendable {
    private let done = Atomic<Bool>(false)
    private let action: @Sendable () -> Void

    init(_ action: @escaping @Sendable () -> Void) {
        self.action = action
    }

    func run() {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        action()
    }
}

import NIOCore
import NIOHTTP1

/// Writing replies: framing (`Connection`, `Date`, HEAD), keep-alive or close, and streams.
extension HTTPHandler {
    /// Writes the response to `request`, then reads on (or closes, or replays queued requests).
    func respond(context: ChannelHandlerContext, head request: HTTPRequestHead, response: Response, close: Bool = false)
    {
        guard machine.state != .closing else { return }
        let keepAlive = request.isKeepAlive && !close && !connectionGuard.draining
        let connection = !keepAlive ? "close" : (request.version.minor == 0 ? "keep-alive" : nil)
        let done = write(context: context, response, to: request, connection: connection)
        let reusable = connectionGuard.responseComplete() && keepAlive
        switch machine.responseWritten(keepAlive: reusable) {
        case .drain: drainQueue(context: context)
        case .close: done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .ignore: break
        }
    }

    /// Writes a streamed reply's head, then its pieces until the connection closes.
    ///
    /// The connection belongs to the stream from here: later requests stay queued (reads pause once
    /// the queue is full) and nothing else is written.
    func stream(
        context: ChannelHandlerContext,
        head request: HTTPRequestHead,
        response: Response,
        stream: any ResponseStream
    ) {
        guard machine.state != .closing else {
            // Never started: let it release what it holds (a channel stream's socket slot).
            stream.stop()
            return
        }
        _ = write(context: context, response, to: request, connection: "close", includeBody: true)
        activeStream = stream
        stream.start(
            on: context.eventLoop,
            write: { [self] piece in context.writeAndFlush(self.wrapOutboundOut(piece)) },
            end: { [self] in
                // After the last piece is out, the connection (the stream's) closes.
                let empty = context.channel.allocator.buffer(capacity: 0)
                context.writeAndFlush(wrapOutboundOut(empty)).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            }
        )
    }

    private func write(
        context: ChannelHandlerContext,
        _ response: Response,
        to request: HTTPRequestHead,
        connection: String?,
        includeBody: Bool? = nil
    ) -> EventLoopFuture<Void> {
        let framing = ResponseEncoding.Framing(
            version: request.version,
            date: dateCache.value,
            connection: connection,
            includeBody: includeBody ?? (request.method != .HEAD),
            strictTransportSecurity: strictTransportSecurity
        )
        activity.touch()
        let (head, body) = ResponseEncoding.encode(response, framing: framing, allocator: context.channel.allocator)
        guard let body else { return context.writeAndFlush(wrapOutboundOut(head)) }
        context.write(wrapOutboundOut(head), promise: nil)
        return context.writeAndFlush(wrapOutboundOut(body))
    }
}

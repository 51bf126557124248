import NIOCore

/// What a responder answers a request with; `HTTPHandler` writes it.
enum Reply: Sendable {
    /// A complete response; the connection stays open when the request allows it.
    case full(Response)
    /// A head (with an optional first piece of body), then a body produced over time by the stream;
    /// the connection is dedicated to it and closes with it (server-sent events).
    case stream(Response, any ResponseStream)
    /// A WebSocket handshake accepted: the handler writes the 101 and hands the channel over to the
    /// WebSocket handlers instead of going back to reading requests.
    case upgrade(SocketUpgrade)
}

/// A response body produced piece by piece after the head, until the connection closes.
protocol ResponseStream: Sendable {
    /// Starts producing on `loop`; `write` sends one piece and must only be called on `loop`.
    ///
    /// The future `write` returns completes once the piece is handed to the socket: a producer that
    /// could outpace the client (a git pack) waits for it before producing more.
    func start(on loop: any EventLoop, write: @escaping (ByteBuffer) -> EventLoopFuture<Void>)

    /// Starts producing, like `start(on:write:)`; a stream with an end calls `end` (on `loop`) once
    /// its last piece is written, and the connection closes.
    func start(
        on loop: any EventLoop,
        write: @escaping (ByteBuffer) -> EventLoopFuture<Void>,
        end: @escaping () -> Void
    )

    /// The connection closed: produce nothing more.
    func stop()
}

extension ResponseStream {
    /// Streams that end only with the connection (server-sent channel events) ignore `end`.
    func start(
        on loop: any EventLoop,
        write: @escaping (ByteBuffer) -> EventLoopFuture<Void>,
        end: @escaping () -> Void
    ) {
        start(on: loop, write: write)
    }
}

/// A stream with an end (a handler's body, an AI answer, a download): it implements only
/// `start(on:write:end:)`; started without `end`, it ends with nothing to call.
protocol FiniteResponseStream: ResponseStream {}

extension FiniteResponseStream {
    func start(on loop: any EventLoop, write: @escaping (ByteBuffer) -> EventLoopFuture<Void>) {
        start(on: loop, write: write, end: {})
    }
}

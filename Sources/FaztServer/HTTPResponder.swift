import NIOCore
import NIOHTTP1

/// What `HTTPHandler` asks of the server: how to treat a request head, where upload bodies go, and
/// the reply to a complete request.
///
/// The handler owns the connection (parts, limits, order, backpressure, lifecycle); a responder
/// owns everything a route decides. `FaztResponder` is the server's; tests plug in stubs.
protocol HTTPResponder: Sendable {
    /// Route, body handling and body limit for a request head.
    func policy(for head: HTTPRequestHead) -> RequestPolicy

    /// Whether `token` is a valid token, or (prefix `fzs_`) a valid dashboard session (uploads are
    /// authorized before their body is read; control routes check the token before answering 413).
    func authorize(token: String, on loop: any EventLoop) -> EventLoopFuture<Bool>

    /// A new, empty file for an upload body.
    func makeSpoolFile() throws -> SpoolFile

    /// Appends `chunk` to `file` off the event loop; completes on `loop` once it is on disk.
    func write(_ chunk: ByteBuffer, to file: SpoolFile, on loop: any EventLoop) -> EventLoopFuture<Void>

    /// Answers a fully received request: `done` runs exactly once, on `loop`.
    ///
    /// Called once per request, in order: the next pipelined request waits until this reply is
    /// written. A callback rather than a future: no promise per request, and no generic metadata
    /// of `EventLoopFuture<Reply>` looked up on the hot path (measured: ~1.5 µs of a static hit).
    func reply(to request: RoutedRequest, on loop: any EventLoop, done: @escaping @Sendable (Reply) -> Void)
}

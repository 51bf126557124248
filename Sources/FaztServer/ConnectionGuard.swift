import NIOCore
import NIOHTTP1

/// Enforces connection timing next to the socket.
///
/// It applies the header read timeout (from a request's first byte to the end of its headers), the
/// body progress timeout and the keep-alive idle timeout. It also closes idle connections when the server drains for shutdown.
///
/// The HTTP connection ends when its guard leaves the pipeline — at close, or when a WebSocket
/// takes the connection over — and `onRemoved` runs then, once (the server forgets the connection
/// and gives its slot back), so an upgraded socket keeps nothing of the HTTP connection.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Between requests: the idle deadline applies.
        case idle
        /// Reading a request's header block: the header deadline applies.
        case head
        /// Reading a body: the progress deadline applies (pushed back by every read).
        case body
        /// The request is complete and being answered: no deadline.
        case processing
    }

    /// The three deadlines, not the whole configuration: one guard per connection, so its size
    /// counts (a copy of `ServerConfiguration` made each guard ~550 bytes).
    private struct Timeouts {
        var idle: TimeAmount
        var header: TimeAmount
        var body: TimeAmount
    }

    private let timeouts: Timeouts
    private var phase = Phase.idle
    /// When the current phase times out; nil while processing.
    private var deadline: NIODeadline?
    /// The one scheduled check; it re-arms itself for a later deadline instead of being
    /// cancelled and rescheduled on every request (which costs more than the request).
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?
    private var recent: UInt32 = 0
    private var context: ChannelHandlerContext?
    /// True once shutdown asked this connection to finish its current request and close.
    private(set) var draining = false
    private var onRemoved: (@Sendable () -> Void)?

    init(configuration: ServerConfiguration, onRemoved: (@Sendable () -> Void)? = nil) {
        self.timeouts = Timeouts(
            idle: configuration.idleTimeout,
            header: configuration.headerTimeout,
            body: configuration.bodyTimeout
        )
        self.onRemoved = onRemoved
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { enter(.idle) }
    }

    func channelActive(context: ChannelHandlerContext) {
        enter(.idle)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
        let removed = onRemoved
        onRemoved = nil
        removed?()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .idle:
            recent = 0
            enter(.head)
            scanForHeaderEnd(unwrapInboundIn(data))
        case .head:
            scanForHeaderEnd(unwrapInboundIn(data))
        case .body:
            deadline = .now() + timeouts.body
        case .processing:
            break
        }
        context.fireChannelRead(data)
    }

    private func scanForHeaderEnd(_ buffer: ByteBuffer) {
        let found = buffer.withUnsafeReadableBytes { bytes -> Bool in
            for byte in bytes {
                recent = (recent << 8) | UInt32(byte)
                if recent == 0x0D0A_0D0A { return true }
            }
            return false
        }
        if found { enter(.body) }
    }

    /// The decoder produced a request head (possibly one that was pipelined).
    func requestStarted() {
        if phase == .idle || phase == .head { enter(.body) }
    }

    /// The request body is complete; the server is working on the answer.
    func requestComplete() { enter(.processing) }

    /// The response was fully written; returns false when the connection should now close.
    func responseComplete() -> Bool {
        guard !draining else { return false }
        enter(.idle)
        return true
    }

    /// Shutdown: close now if idle, else after the current response.
    func drain() {
        draining = true
        if phase == .idle { context?.close(promise: nil) }
    }

    private func enter(_ next: Phase) {
        phase = next
        switch next {
        case .idle: deadline = .now() + timeouts.idle
        case .head: deadline = .now() + timeouts.header
        case .body: deadline = .now() + timeouts.body
        case .processing: deadline = nil
        }
        if let deadline, timerFiresAt.map({ $0 > deadline }) ?? true { schedule(at: deadline) }
    }

    private func schedule(at when: NIODeadline) {
        guard let context else { return }
        timer?.cancel()
        timerFiresAt = when
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: when) { [self] in
            self.timer = nil
            self.timerFiresAt = nil
            self.check()
        }
    }

    private func check() {
        guard let deadline else { return }
        if deadline > .now() {
            schedule(at: deadline)
            return
        }
        switch phase {
        case .idle: context?.close(promise: nil)
        case .head, .body: timedOut()
        case .processing: break
        }
    }

    private func timedOut() {
        rejectAndClose(.requestTimeout, message: "request timed out")
    }

    /// Writes a minimal error response straight to the socket (below the HTTP encoder) and closes.
    func rejectAndClose(_ status: HTTPResponseStatus, message: String) {
        guard let context else { return }
        enter(.processing)
        let text = message + "\n"
        let response =
            "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(text.utf8.count)\r\n\r\n\(text)"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

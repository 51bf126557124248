import NIOCore
import NIOHTTP1

/// Sits next to the socket and enforces connection timing: the header read timeout (from a
/// request's first byte to the end of its headers), the body progress timeout and the keep-alive
/// idle timeout. It also closes idle connections when the server drains for shutdown.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Between requests: the idle timer runs.
        case idle
        /// Reading a request's header block: the header timer runs.
        case head
        /// Reading a body: the progress timer runs.
        case body
        /// The request is complete and being answered: no timer.
        case processing
    }

    private let configuration: ServerConfiguration
    private var phase = Phase.idle
    private var timer: Scheduled<Void>?
    private var lastBodyRead = NIODeadline.now()
    private var recent: UInt32 = 0
    private var context: ChannelHandlerContext?
    /// True once shutdown asked this connection to finish its current request and close.
    private(set) var draining = false

    init(configuration: ServerConfiguration) {
        self.configuration = configuration
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(.idle) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(.idle)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch phase {
        case .idle:
            recent = 0
            arm(.head)
            scanForHeaderEnd(buffer)
        case .head:
            scanForHeaderEnd(buffer)
        case .body:
            lastBodyRead = .now()
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
        if found { arm(.body) }
    }

    /// The decoder produced a request head (possibly one that was pipelined).
    func requestStarted() {
        if phase == .idle || phase == .head { arm(.body) }
    }

    /// The request body is complete; the server is working on the answer.
    func requestComplete() { arm(.processing) }

    /// The response was fully written; returns false when the connection should now close.
    func responseComplete() -> Bool {
        guard !draining else { return false }
        arm(.idle)
        return true
    }

    /// Shutdown: close now if idle, else after the current response.
    func drain() {
        draining = true
        if phase == .idle { context?.close(promise: nil) }
    }

    private func arm(_ next: Phase) {
        phase = next
        timer?.cancel()
        timer = nil
        guard let context else { return }
        let loop = context.eventLoop
        switch next {
        case .idle:
            timer = loop.assumeIsolated().scheduleTask(in: configuration.idleTimeout) { [self] in
                self.context?.close(promise: nil)
            }
        case .head:
            timer = loop.assumeIsolated().scheduleTask(in: configuration.headerTimeout) { [self] in
                self.timedOut()
            }
        case .body:
            lastBodyRead = .now()
            scheduleBodyCheck(in: configuration.bodyTimeout)
        case .processing:
            break
        }
    }

    private func scheduleBodyCheck(in delay: TimeAmount) {
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            guard self.phase == .body else { return }
            let deadline = self.lastBodyRead + self.configuration.bodyTimeout
            if deadline <= .now() {
                self.timedOut()
            } else {
                self.scheduleBodyCheck(in: deadline - .now())
            }
        }
    }

    private func timedOut() {
        rejectAndClose(.requestTimeout, message: "request timed out")
    }

    /// Writes a minimal error response straight to the socket (below the HTTP encoder) and closes.
    func rejectAndClose(_ status: HTTPResponseStatus, message: String) {
        guard let context else { return }
        timer?.cancel()
        phase = .processing
        let text = message + "\n"
        let response =
            "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(text.utf8.count)\r\n\r\n\(text)"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

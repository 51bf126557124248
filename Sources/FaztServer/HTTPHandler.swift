import NIOCore
import NIOHTTP1

/// The per-connection channel handler: reads request parts, keeps bodies within their limits, hands
/// each complete request to its responder and writes the replies, one per request and in order.
///
/// `HTTPConnectionStateMachine` holds the protocol state: requests pipelined behind one still being
/// answered wait in its queue, and reads pause while that queue is full, while an upload waits for
/// the disk, or while the channel is unwritable. Responses are serialized by `ResponseEncoding`.
/// What a route answers is the responder's business (`FaztResponder`); nothing here knows routes.
///
/// Not generic over the responder: NIO calls a handler through its protocol witnesses, so a generic
/// handler class runs unspecialized code (generic metadata lookups on every call, measured at ~10%
/// of a static hit); one existential call per request costs less.
final class HTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What is kept of the body being read.
    enum Body {
        case discard
        case collect(ByteBuffer)
        /// The file and the write that ends its chain of writes (each starts after the previous).
        case spool(SpoolFile, EventLoopFuture<Void>)
    }

    /// The request whose body is being read.
    struct Request {
        var id: UInt64
        var head: HTTPRequestHead
        var policy: RequestPolicy
        var body: Body
    }

    /// The name of the HTTP request decoder in the pipeline (removed when a socket takes over).
    static let decoderName = "http-decoder"

    let responder: any HTTPResponder
    let connectionGuard: ConnectionGuard
    let dateCache: DateCache
    let activity: MemoryTrimmer.Activity
    /// This loop's request counts and durations (nil: not measured).
    let metrics: RequestMetrics?
    /// Responses carry `Strict-Transport-Security` (connections of the HTTPS listener).
    let strictTransportSecurity: Bool
    /// The request whose body is being read; its protocol state lives in `machine`.
    var request: Request?
    var machine: HTTPConnectionStateMachine<HTTPServerRequestPart>
    private var remoteAddress: SocketAddress?
    /// The streamed reply that owns the connection, if one does.
    var activeStream: (any ResponseStream)?

    init(
        responder: any HTTPResponder,
        connectionGuard: ConnectionGuard,
        dateCache: DateCache,
        activity: MemoryTrimmer.Activity,
        metrics: RequestMetrics? = nil,
        strictTransportSecurity: Bool = false,
        limits: HTTPConnectionStateMachine<HTTPServerRequestPart>.Limits = .init()
    ) {
        self.metrics = metrics
        self.strictTransportSecurity = strictTransportSecurity
        self.responder = responder
        self.connectionGuard = connectionGuard
        self.dateCache = dateCache
        self.activity = activity
        self.machine = HTTPConnectionStateMachine(limits: limits)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        var isHead = false
        if case .head = part { isHead = true }
        if case .process(let part) = machine.read(part, isHead: isHead) {
            handle(context: context, part)
        }
    }

    private func handle(context: ChannelHandlerContext, _ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            connectionGuard.requestStarted()
            activity.touch()
            begin(context: context, head: head)
        case .body(let chunk):
            receive(context: context, chunk)
        case .end:
            guard machine.end(), let current = request else { return }
            request = nil
            connectionGuard.requestComplete()
            dispatch(context: context, current)
        }
    }

    /// Replays pipelined parts that arrived while the previous response was being produced.
    func drainQueue(context: ChannelHandlerContext) {
        while let part = machine.nextQueued() {
            handle(context: context, part)
        }
        if machine.drained() {
            context.read()
        }
    }

    private func dispatch(context: ChannelHandlerContext, _ current: Request) {
        var body = RoutedRequest.Body.none
        switch current.body {
        case .discard: break
        case .collect(let buffer): body = .buffer(buffer)
        case .spool(let file, let tail): body = .upload(APIRequest.Upload(file: file, written: tail))
        }
        if remoteAddress == nil { remoteAddress = context.channel.remoteAddress }
        let head = current.head
        let routed = RoutedRequest(
            head: head,
            policy: current.policy,
            body: body,
            remoteAddress: remoteAddress,
            closed: context.channel.closeFuture
        )
        let connection = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let started = metrics == nil ? 0 : RequestMetrics.now()
        let app = current.policy.metricsLabel
        responder.reply(to: routed, on: context.eventLoop) { reply in
            let (handler, context) = connection.value
            switch reply {
            case .full(let response):
                handler.metrics?.record(app: app, code: response.status.code, started: started)
                handler.respond(context: context, head: head, response: response)
            case .stream(let response, let stream):
                handler.metrics?.record(app: app, code: response.status.code, started: started)
                handler.stream(context: context, head: head, response: response, stream: stream)
            case .upgrade(let upgrade):
                handler.metrics?.record(app: app, code: 101, started: started)
                handler.upgrade(context: context, upgrade)
            }
        }
    }

    // MARK: Backpressure

    func read(context: ChannelHandlerContext) {
        if machine.readRequested() {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if machine.writabilityChanged(isWritable: context.channel.isWritable) {
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Lifecycle

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Answer a malformed request only when no response is being produced for this connection,
        // so the error text can never interleave with another response's bytes, and never after a
        // `Connection: close` response (the bytes after a rejected body are not a request).
        if let parserError = error as? HTTPParserError, machine.state == .idle {
            if parserError == .headerOverflow {
                connectionGuard.rejectAndClose(.requestHeaderFieldsTooLarge, message: "request headers are too large")
            } else {
                connectionGuard.rejectAndClose(.badRequest, message: "malformed request")
            }
            return
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Replies that complete from now on write nothing, and queued requests are never answered.
        machine.closed()
        activeStream?.stop()
        activeStream = nil
        discardSpool(request?.body)
        request = nil
        context.fireChannelInactive()
    }
}

import NIOCore
import NIOHTTP1

/// One request and its streamed answer on a `LoopHTTPClient` connection.
///
/// Touched only on `loop` (the callbacks, the timers and the connection all run there).
final class LoopHTTPExchange: @unchecked Sendable {
    let request: EgressRequest
    let target: LoopHTTPClient.Target
    let policy: EgressPolicy
    let stream: EgressStream
    let loop: any EventLoop
    /// The loops that should each hold an idle connection to this host (`LoopHTTPClient.warm`).
    let warming: [any EventLoop]
    private(set) var isOver = false
    weak var connection: LoopHTTPConnection?
    /// Sent on a kept connection (one taken from the pool).
    ///
    /// A server may close such a connection just as the request goes out: then, before any byte of
    /// an answer, it goes again once on a new connection, as browsers and libcurl do.
    var onKeptConnection = false
    private var resent = false
    private var reportedSent = false
    private var status = 0
    private var headers: [(String, String)] = []
    private var headSent = false
    private var received = 0
    private var lastActivity = NIODeadline.now()
    private var deadline: Scheduled<Void>?
    private var stallCheck: RepeatedTask?

    init(
        request: EgressRequest,
        target: LoopHTTPClient.Target,
        policy: EgressPolicy,
        stream: EgressStream,
        loop: any EventLoop,
        warming: [any EventLoop] = []
    ) {
        self.request = request
        self.warming = warming
        self.target = target
        self.policy = policy
        self.stream = stream
        self.loop = loop
        deadline = loop.scheduleTask(in: .seconds(Int64(policy.timeoutSeconds))) { [self] in
            fail(
                EgressError(
                    message: "\(policy.label): no complete answer within \(policy.timeoutSeconds) s",
                    timedOut: true
                )
            )
        }
        if policy.stallSeconds > 0 {
            let stall = TimeAmount.seconds(Int64(policy.stallSeconds))
            stallCheck = loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) {
                [self] _ in
                guard NIODeadline.now() - lastActivity > stall else { return }
                fail(
                    EgressError(
                        message: "\(policy.label): nothing received for \(policy.stallSeconds) s",
                        timedOut: true
                    )
                )
            }
        }
    }

    /// The request's head, as sent.
    var head: HTTPRequestHead {
        var head = HTTPRequestHead(
            version: .http1_1,
            method: HTTPMethod(rawValue: request.method.uppercased()),
            uri: target.path
        )
        head.headers.add(name: "Host", value: target.hostHeader)
        head.headers.add(name: "User-Agent", value: "fazt")
        for (name, value) in request.headers where !name.contains("\n") && !value.contains("\n") {
            let lower = name.lowercased()
            if lower == "host" || lower == "content-length" || lower == "connection" || lower == "transfer-encoding" {
                continue
            }
            head.headers.add(name: name, value: value)
        }
        let length = request.body?.count ?? 0
        if length > 0 || ["POST", "PUT", "PATCH"].contains(request.method.uppercased()) {
            head.headers.add(name: "Content-Length", value: String(length))
        }
        return head
    }

    /// The request went out.
    func sent() {
        lastActivity = .now()
        guard !reportedSent else { return }
        reportedSent = true
        stream.onRequestSent?()
    }

    /// The connection failed: on a kept connection before any answer, the request goes again on a
    /// new one (once); otherwise the exchange ends with `error`.
    func connectionFailed(_ error: EgressError) {
        guard onKeptConnection, !resent, !isOver, status == 0, !headSent, received == 0 else { return fail(error) }
        resent = true
        onKeptConnection = false
        connection = nil
        LoopHTTPClient.connect(self)
    }

    func responded(status: Int, headers: [(String, String)]) {
        lastActivity = .now()
        self.status = status
        self.headers = headers
    }

    /// A piece of the body; false when the answer is over (failed, cancelled or too large).
    func data(_ buffer: ByteBuffer) {
        guard !isOver else { return }
        lastActivity = .now()
        sendHead()
        received += buffer.readableBytes
        guard received <= policy.maxResponseBytes else {
            return fail(
                EgressError(message: "\(policy.label): the response is larger than \(policy.maxResponseBytes >> 20) MB")
            )
        }
        stream.onData(Array(buffer.readableBytesView))
    }

    /// The answer is complete.
    func end() {
        guard !isOver else { return }
        sendHead()
        finish()
        stream.onEnd(.success(()))
    }

    /// Ends the exchange with `error` (once) and closes its connection.
    func fail(_ error: EgressError) {
        guard !isOver else { return }
        finish()
        stream.onEnd(.failure(error))
        connection?.abort()
    }

    private func sendHead() {
        guard !headSent else { return }
        headSent = true
        stream.onHead(status, headers)
    }

    private func finish() {
        isOver = true
        deadline?.cancel()
        stallCheck?.cancel()
    }
}

/// A `LoopHTTPClient` connection's handler: sends one exchange at a time and hands its answer over;
/// between exchanges it waits in `LoopHTTPPool`.
final class LoopHTTPConnection: ChannelInboundHandler, @unchecked Sendable {
    // Safe: touched only on the channel's event loop.
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let key: String
    private var context: ChannelHandlerContext?
    private var exchange: LoopHTTPExchange?
    private var keepAlive = false
    private var informational = false
    private var idleTimer: Scheduled<Void>?

    /// `idle`: opened ahead of need (`LoopHTTPClient.warm`), reusable until an answer says otherwise.
    init(key: String, idle: Bool = false) {
        self.key = key
        keepAlive = idle
    }

    /// Open, idle and willing to carry another request.
    var isReusable: Bool { exchange == nil && keepAlive && context?.channel.isActive == true }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends `exchange`'s request.
    func begin(_ exchange: LoopHTTPExchange) {
        idleTimer?.cancel()
        guard let context, context.channel.isActive else {
            return exchange.connectionFailed(EgressError(message: "\(exchange.policy.label): the connection closed"))
        }
        guard !exchange.isOver else {
            park(context)
            return
        }
        self.exchange = exchange
        exchange.connection = self
        keepAlive = false
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.request.body, !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        exchange.sent()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            informational = (100..<200).contains(head.status.code)
            guard !informational else { return }
            keepAlive = head.isKeepAlive
            exchange?.responded(
                status: Int(head.status.code),
                headers: head.headers.map { ($0.name.lowercased(), $0.value) }
            )
        case .body(let buffer):
            exchange?.data(buffer)
        case .end:
            guard !informational else {
                informational = false
                return
            }
            let done = exchange
            exchange = nil
            done?.end()
            if park(context), let done { LoopHTTPClient.warm(after: done, besides: context.eventLoop) }
        }
    }

    /// Keeps the connection for the next request to its host (true), or closes it.
    @discardableResult
    private func park(_ context: ChannelHandlerContext) -> Bool {
        guard keepAlive, context.channel.isActive, LoopHTTPPool.shared.keep(self, on: context.eventLoop) else {
            context.close(promise: nil)
            return false
        }
        idleTimer = context.eventLoop.scheduleTask(in: .seconds(LoopHTTPClient.idleSeconds)) { [self] in
            self.context?.close(promise: nil)
        }
        return true
    }

    /// Waits in the pool for a first request (a connection opened ahead of need); on its loop.
    func keepIdle() {
        guard let context, exchange == nil else { return }
        park(context)
    }

    /// Closes the connection (its exchange failed or was cancelled mid-way).
    func abort() {
        keepAlive = false
        exchange = nil
        context?.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        LoopHTTPPool.shared.drop(self, on: context.eventLoop)
        let open = exchange
        exchange = nil
        open?.connectionFailed(
            EgressError(
                message: "\(open?.policy.label ?? "fetch"): the connection closed before the answer was complete"
            )
        )
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let open = exchange
        exchange = nil
        open?.connectionFailed(EgressError(message: "\(open?.policy.label ?? "fetch"): \(error)"))
        context.close(promise: nil)
    }
}

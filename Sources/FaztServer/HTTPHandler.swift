import FaztRuntime
import FaztVFS
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The per-connection request handler: applies body limits, routes, and answers in order.
///
/// It writes one response per request, strictly in order. `HTTPConnectionStateMachine` holds the protocol state: requests pipelined
/// behind one still being answered wait in its queue (reads pause meanwhile); responses are serialized by `ResponseEncoding`.
final class HTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Body {
        case discard
        case collect(ByteBuffer)
        case spool(SpoolFile, EventLoopFuture<Void>)
    }

    private struct Request {
        var id: UInt64
        var head: HTTPRequestHead
        var policy: RequestPolicy
        var body: Body
    }

    let services: ServerServices
    private let connectionGuard: ConnectionGuard
    let dateCache: DateCache
    /// The request whose body is being read; its protocol state lives in `machine`.
    private var request: Request?
    private var machine = HTTPConnectionStateMachine<HTTPServerRequestPart>()

    private let activity: MemoryTrimmer.Activity

    init(
        services: ServerServices,
        connectionGuard: ConnectionGuard,
        dateCache: DateCache,
        activity: MemoryTrimmer.Activity
    ) {
        self.services = services
        self.connectionGuard = connectionGuard
        self.dateCache = dateCache
        self.activity = activity
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
            let action = machine.body(bytes: chunk.readableBytes)
            guard var current = request else { return }
            if case .rejectTooLarge = action {
                request = nil
                reject(context: context, head: current.head, policy: current.policy, spool: current.body)
                return
            }
            guard action == .accept else { return }
            switch current.body {
            case .discard: break
            case .collect(var buffer):
                current.body = .discard
                buffer.writeImmutableBuffer(chunk)
                current.body = .collect(buffer)
            case .spool(let file, let tail):
                current.body = .spool(file, append(context: context, chunk, to: file, after: tail))
            }
            request = current
        case .end:
            guard machine.end(), let current = request else { return }
            request = nil
            connectionGuard.requestComplete()
            dispatch(context: context, current)
        }
    }

    /// Replays pipelined parts that arrived while the previous response was being produced.
    private func drainQueue(context: ChannelHandlerContext) {
        while let part = machine.nextQueued() {
            handle(context: context, part)
        }
        if machine.drained() {
            context.read()
        }
    }

    private func begin(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let policy = RequestPolicy(head: head, configuration: services.configuration)
        let declared = head.headers.first(name: "Content-Length").flatMap(Int.init)
        guard case .receive(let id) = machine.head(declaredLength: declared, limit: policy.limit) else {
            rejectBeforeBody(context: context, head: head, policy: policy)
            return
        }
        var body = Body.discard
        let expectsContinue = head.headers.first(name: "Expect")?.lowercased() == "100-continue"
        let upload = policy.body == .spool
        switch policy.body {
        case .spool:
            // Uploads are authenticated before their body is accepted: nobody without a token gets
            // to make the server spool up to 100 MB to disk.
            guard let token = APIRequest.bearerToken(in: head.headers) else {
                refuse(context: context, head: head, with: APIError.unauthorized)
                return
            }
            do {
                let file = try SpoolFile(path: services.temporaryPath(prefix: "upload"))
                body = .spool(file, context.eventLoop.makeSucceededVoidFuture())
            } catch {
                refuse(context: context, head: head, with: error)
                return
            }
            authenticateUpload(
                context: context,
                id: id,
                head: head,
                token: token,
                sendContinue: expectsContinue
            )
        case .collect:
            body = .collect(context.channel.allocator.buffer(capacity: 0))
        case .discard:
            break
        }
        if expectsContinue && !upload {
            context.writeAndFlush(wrapOutboundOut(ResponseEncoding.continueResponse), promise: nil)
        }
        request = Request(id: id, head: head, policy: policy, body: body)
    }

    /// Checks an upload's token off the loop; a bad token ends the upload with 401 at once.
    private func authenticateUpload(
        context: ChannelHandlerContext,
        id: UInt64,
        head: HTTPRequestHead,
        token: String,
        sendContinue: Bool
    ) {
        let tokens = services.tokens
        services.threadPool.runIfActive(eventLoop: context.eventLoop) { try tokens.verify(token) != nil }
            .assumeIsolated().whenComplete { [self] result in
                // Only act while this very request is still receiving its body.
                guard self.machine.isReceiving(id), let current = self.request else { return }
                if case .success(true) = result {
                    if sendContinue {
                        context.writeAndFlush(self.wrapOutboundOut(ResponseEncoding.continueResponse), promise: nil)
                    }
                    return
                }
                self.request = nil
                self.discardSpool(current.body)
                self.refuse(context: context, head: head, with: APIError.unauthorized)
            }
    }

    /// Answers an error before the request body was read, then closes the connection.
    private func refuse(context: ChannelHandlerContext, head: HTTPRequestHead, with error: Error) {
        machine.abandon()
        request = nil
        respond(context: context, head: head, response: ErrorMapping.response(for: error), close: true)
    }

    private func discardSpool(_ body: Body?) {
        if case .spool(let file, let tail)? = body {
            tail.whenComplete { _ in file.discard() }
        }
    }

    private func append(
        context: ChannelHandlerContext,
        _ chunk: ByteBuffer,
        to file: SpoolFile,
        after tail: EventLoopFuture<Void>
    )
        -> EventLoopFuture<Void>
    {
        let pool = services.threadPool
        let loop = context.eventLoop
        machine.spoolQueued(bytes: chunk.readableBytes)
        let next = tail.flatMap { pool.runIfActive(eventLoop: loop) { try file.write(chunk) } }
        next.assumeIsolated().whenComplete { [self] _ in
            if self.machine.spoolWritten(bytes: chunk.readableBytes) {
                context.read()
            }
        }
        return next
    }

    // MARK: Outbound backpressure

    func read(context: ChannelHandlerContext) {
        if machine.readRequested() {
            context.read()
        }
    }

    // MARK: Dispatch

    private func dispatch(context: ChannelHandlerContext, _ request: Request) {
        let head = request.head
        let query = request.policy.query
        switch request.policy.route {
        case .app(let name, let path) where HandlerRouter.isAPIPath(path):
            var body = ByteBuffer()
            if case .collect(let buffer) = request.body { body = buffer }
            serveAPI(context: context, head: head, app: name, path: path, query: query, body: body)
        case .app(let name, OwnerLoginPage.sessionPath):
            var body = ByteBuffer()
            if case .collect(let buffer) = request.body { body = buffer }
            serveOwnerSession(context: context, head: head, app: name, body: body)
        case .app(let name, let path) where WebhookReceiver.isHookPath(path):
            var body = ByteBuffer()
            if case .collect(let buffer) = request.body { body = buffer }
            serveHook(context: context, head: head, app: name, path: path, query: query, body: body)
        case .app(let name, let path):
            serveApp(context: context, head: head, app: name, path: path, query: query)
        case .control(let path):
            var upload: APIRequest.Upload?
            var body = ByteBuffer()
            switch request.body {
            case .collect(let buffer): body = buffer
            case .spool(let file, let tail):
                upload = APIRequest.Upload(file: file, written: tail)
            case .discard: break
            }
            let apiRequest = APIRequest(head: head, path: path, body: body, upload: upload)
            let api = services.api
            context.eventLoop.makeFutureWithTask { await api.handle(apiRequest) }
                .assumeIsolated().whenSuccess { [self] response in
                    self.respond(context: context, head: head, response: response)
                }
        case .dashboard(let path):
            respond(context: context, head: head, response: Dashboard.response(path: path, method: head.method))
        case .unknownHost:
            respond(context: context, head: head, response: Dashboard.unknownHost())
        }
    }

    // MARK: Responses

    func fail(context: ChannelHandlerContext, head: HTTPRequestHead, error: Error) {
        services.logger.error("request failed", metadata: ["http.uri": "\(head.uri)", "error": "\(error)"])
        respond(context: context, head: head, response: Response.text(.internalServerError, "internal error\n"))
    }

    private func reject(context: ChannelHandlerContext, head: HTTPRequestHead, policy: RequestPolicy, spool: Body?) {
        discardSpool(spool)
        machine.abandon()
        respond(context: context, head: head, response: policy.tooLarge, close: true)
    }

    /// A declared body over the limit: control routes check the token first (a stranger learns
    /// nothing about limits, and a wrong token is a 401 whatever the size), then 413.
    private func rejectBeforeBody(context: ChannelHandlerContext, head: HTTPRequestHead, policy: RequestPolicy) {
        guard policy.checksTokenBeforeTooLarge else {
            reject(context: context, head: head, policy: policy, spool: nil)
            return
        }
        machine.abandon()
        guard let token = APIRequest.bearerToken(in: head.headers) else {
            refuse(context: context, head: head, with: APIError.unauthorized)
            return
        }
        let tokens = services.tokens
        services.threadPool.runIfActive(eventLoop: context.eventLoop) { try tokens.verify(token) != nil }
            .assumeIsolated().whenComplete { [self] result in
                guard case .success(true) = result else {
                    self.respond(
                        context: context,
                        head: head,
                        response: ErrorMapping.response(for: APIError.unauthorized),
                        close: true
                    )
                    return
                }
                self.respond(
                    context: context,
                    head: head,
                    response: policy.tooLarge,
                    close: true
                )
            }
    }

    func respond(
        context: ChannelHandlerContext,
        head request: HTTPRequestHead,
        response: Response,
        close: Bool = false
    ) {
        guard machine.state != .closing else { return }
        if let follow = response.follow {
            stream(context: context, head: request, target: follow)
            return
        }
        let keepAlive = request.isKeepAlive && !close && !connectionGuard.draining
        let framing = ResponseEncoding.Framing(
            version: request.version,
            date: dateCache.value,
            connection: !keepAlive ? "close" : (request.version.minor == 0 ? "keep-alive" : nil),
            includeBody: request.method != .HEAD
        )
        activity.touch()
        let (head, separateBody) = ResponseEncoding.encode(
            response,
            framing: framing,
            allocator: context.channel.allocator
        )
        let done: EventLoopFuture<Void>
        if let separateBody {
            context.write(wrapOutboundOut(head), promise: nil)
            done = context.writeAndFlush(wrapOutboundOut(separateBody))
        } else {
            done = context.writeAndFlush(wrapOutboundOut(head))
        }
        let reusable = connectionGuard.responseComplete() && keepAlive
        switch machine.responseWritten(keepAlive: reusable) {
        case .drain: drainQueue(context: context)
        case .close: done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .ignore: break
        }
    }

    // MARK: Errors

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
        discardSpool(request?.body)
        request = nil
        context.fireChannelInactive()
    }
}

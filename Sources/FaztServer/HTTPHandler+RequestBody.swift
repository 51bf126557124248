import NIOCore
import NIOHTTP1

/// Reading a request body: the route's handling (discard, collect, spool), its limit, and the early
/// answers (401, 413) that end a request before its body was read.
extension HTTPHandler {
    func begin(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let policy = responder.policy(for: head)
        let declared = head.headers.first(name: "Content-Length").flatMap(Int.init)
        guard case .receive(let id) = machine.head(declaredLength: declared, limit: policy.limit) else {
            rejectBeforeBody(context: context, head: head, policy: policy)
            return
        }
        var body = Body.discard
        var uploadToken: String?
        let expectsContinue = head.headers.first(name: "Expect")?.lowercased() == "100-continue"
        switch policy.body {
        case .spool:
            // Uploads are authenticated before their body is accepted: nobody without a token gets
            // to make the server spool up to 100 MB to disk.
            // The dashboard uploads with its session cookie and CSRF header instead of a token.
            let credential: String?
            do {
                credential = try DashboardSession.uploadCredential(head.headers)
            } catch {
                refuse(context: context, head: head, with: error)
                return
            }
            guard let token = credential else {
                refuse(context: context, head: head, with: APIError.unauthorized)
                return
            }
            do {
                body = .spool(try responder.makeSpoolFile(), context.eventLoop.makeSucceededVoidFuture())
            } catch {
                refuse(context: context, head: head, with: error)
                return
            }
            uploadToken = token
        case .collect:
            body = .collect(context.channel.allocator.buffer(capacity: 0))
        case .discard:
            break
        }
        request = Request(id: id, head: head, policy: policy, body: body)
        if let uploadToken {
            authenticateUpload(context: context, id: id, head: head, token: uploadToken, sendContinue: expectsContinue)
        } else if expectsContinue {
            context.writeAndFlush(wrapOutboundOut(ResponseEncoding.continueResponse), promise: nil)
        }
    }

    func receive(context: ChannelHandlerContext, _ chunk: ByteBuffer) {
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
            // Both other holders let go first (`current` and the handler's own `request`), so `buffer`
            // is uniquely referenced and the append does not copy the whole body for every chunk.
            current.body = .discard
            request = nil
            buffer.writeImmutableBuffer(chunk)
            current.body = .collect(buffer)
        case .spool(let file, let tail):
            current.body = .spool(file, append(context: context, chunk, to: file, after: tail))
        }
        request = current
    }

    /// Checks an upload's token off the loop; a bad token ends the upload with 401 at once.
    private func authenticateUpload(
        context: ChannelHandlerContext,
        id: UInt64,
        head: HTTPRequestHead,
        token: String,
        sendContinue: Bool
    ) {
        responder.authorize(token: token, on: context.eventLoop).assumeIsolated().whenComplete { [self] result in
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

    private func append(
        context: ChannelHandlerContext,
        _ chunk: ByteBuffer,
        to file: SpoolFile,
        after tail: EventLoopFuture<Void>
    ) -> EventLoopFuture<Void> {
        let loop = context.eventLoop
        let responder = self.responder
        machine.spoolQueued(bytes: chunk.readableBytes)
        let next = tail.flatMap { responder.write(chunk, to: file, on: loop) }
        next.assumeIsolated().whenComplete { [self] _ in
            if self.machine.spoolWritten(bytes: chunk.readableBytes) {
                context.read()
            }
        }
        return next
    }

    /// Deletes a spool file once its pending writes are done.
    func discardSpool(_ body: Body?) {
        if case .spool(let file, let tail)? = body {
            tail.whenComplete { _ in file.discard() }
        }
    }

    /// Answers an error before the request body was read, then closes the connection.
    private func refuse(context: ChannelHandlerContext, head: HTTPRequestHead, with error: Error) {
        machine.abandon()
        request = nil
        respond(context: context, head: head, response: ErrorMapping.response(for: error), close: true)
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
        responder.authorize(token: token, on: context.eventLoop).assumeIsolated().whenComplete { [self] result in
            let unauthorized = ErrorMapping.response(for: APIError.unauthorized)
            let response = (try? result.get()) == true ? policy.tooLarge : unauthorized
            self.respond(context: context, head: head, response: response, close: true)
        }
    }
}

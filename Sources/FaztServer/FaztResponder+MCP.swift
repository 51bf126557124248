import FaztAPI
import FaztKernel
import FaztStorage
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// The MCP endpoint on the control host.
    static let mcpPath = "/_fazt/mcp"
    /// The largest message it reads.
    static let mcpMaxBodyBytes = 1 << 20

    /// `POST /_fazt/mcp`: Origin check (403), POST only (405), a bearer token (401), then one
    /// JSON-RPC message answered by a fresh `MCPServer`, off the event loop; a client that
    /// disconnects cancels the call.
    func serveMCP(_ exchange: Exchange) {
        guard admitsMCP(exchange) else { return }
        let head = exchange.head
        guard let secret = APIRequest.bearerToken(in: head.headers) else {
            return exchange.respond(Self.mcpUnauthorized)
        }
        let tokens = services.tokens
        services.threadPool.runIfActive(eventLoop: exchange.loop) { try tokens.verify(secret) }
            .whenComplete { [self] result in
                switch result {
                case .success(let token?):
                    self.answerMCP(exchange, token: token, secret: secret)
                case .success(nil):
                    exchange.respond(Self.mcpUnauthorized)
                case .failure(let error):
                    self.fail(exchange, error: error)
                }
            }
    }

    /// The transport rules every MCP endpoint shares: Origin (403), POST only (405), JSON (415);
    /// false when it answered.
    func admitsMCP(_ exchange: Exchange) -> Bool {
        let head = exchange.head
        if let origin = head.headers.first(name: "Origin"),
            !isAllowedMCPOrigin(origin, host: head.headers.first(name: "Host"))
        {
            exchange.respond(
                MCPServer.errorResponse(
                    id: nil,
                    MCPError(
                        MCPError.invalidRequest,
                        "Forbidden: Origin \(origin) may not use this MCP endpoint (only the server's own origin may)",
                        status: .forbidden
                    ),
                    era: nil
                )
            )
            return false
        }
        guard head.method == .POST else {
            var response = MCPServer.errorResponse(
                id: nil,
                MCPError(
                    MCPError.invalidRequest,
                    "Method Not Allowed: this MCP endpoint is stateless; send each message with POST",
                    status: .methodNotAllowed
                ),
                era: nil
            )
            response.headers.add(name: "Allow", value: "POST")
            exchange.respond(response)
            return false
        }
        if let type = head.headers.first(name: "Content-Type"),
            type.split(separator: ";").first?.trimmingSpaces.lowercased() != "application/json"
        {
            exchange.respond(
                MCPServer.errorResponse(
                    id: nil,
                    MCPError(
                        MCPError.invalidRequest,
                        "Unsupported Media Type: send Content-Type: application/json",
                        status: .unsupportedMediaType
                    ),
                    era: nil
                )
            )
            return false
        }
        return true
    }

    private func answerMCP(_ exchange: Exchange, token: TokenInfo, secret: String) {
        let loop = exchange.loop
        var server = MCPServer(services: services, token: token, secret: secret) { [self] head, body in
            await self.internalRequest(head: head, body: body, on: loop)
        }
        let head = exchange.head
        let body = exchange.request.bodyBuffer
        if let progressToken = MCPServer.progressToken(head: head, body: body) {
            // SSE only for a tool that streams progress: the steps, then the answer.
            let stream = MCPProgressStream()
            server.progress = { step, total, message in
                let params = JSONValue.object([
                    ("progressToken", progressToken), ("progress", .number(Double(step))),
                    ("total", .number(Double(total))), ("message", .string(message)),
                ])
                stream.send(
                    JSONValue.object([
                        ("jsonrpc", .string("2.0")), ("method", .string("notifications/progress")), ("params", params),
                    ]).text
                )
            }
            let task = Task { [server] in
                let response = await server.handle(head: head, body: body)
                stream.send(response.body.map { String(buffer: $0) } ?? "", last: true)
            }
            stream.whenStopped { task.cancel() }
            var response = Response(status: .ok, body: ByteBuffer())
            response.headers.add(name: "Content-Type", value: "text/event-stream")
            response.headers.add(name: "Cache-Control", value: "no-cache")
            response.headers.add(name: "X-Accel-Buffering", value: "no")
            response.omitsLength = true
            return exchange.complete(.stream(response, stream))
        }
        let task = Task { await server.handle(head: head, body: body) }
        // Closing the connection is the cancellation (2026-07-28); the answer then goes nowhere.
        exchange.request.closed?.whenComplete { _ in task.cancel() }
        loop.makeFutureWithTask { await task.value }.whenSuccess { exchange.respond($0) }
    }

    /// Answers a request the server makes to itself (a preview), through the same routing.
    func internalRequest(head: HTTPRequestHead, body: ByteBuffer, on loop: any EventLoop) async -> Response {
        let policy = RequestPolicy(head: head, configuration: services.configuration)
        let routed = RoutedRequest(
            head: head,
            policy: policy,
            body: body.readableBytes > 0 ? .buffer(body) : .none,
            remoteAddress: nil
        )
        return await withCheckedContinuation { continuation in
            loop.execute {
                self.reply(to: routed, on: loop) { reply in
                    switch reply {
                    case .full(let response):
                        continuation.resume(returning: response)
                    case .stream(var response, let stream):
                        stream.stop()
                        response.body = ByteBuffer(string: "(a streamed response: open the preview URL to read it)")
                        continuation.resume(returning: response)
                    case .upgrade:
                        continuation.resume(returning: .text(.badRequest, "WebSocket upgrades are not previewable\n"))
                    }
                }
            }
        }
    }

    /// The server's own origins (the control host, any port) and loopback pages; never another site.
    func isAllowedMCPOrigin(_ origin: String, host: String?) -> Bool {
        guard let schemeEnd = origin.range(of: "://") else { return false }
        let authority = String(origin[schemeEnd.upperBound...])
        let originHost = Route.normalizeHost(authority)
        if originHost == services.configuration.domain { return true }
        if let host, originHost == Route.normalizeHost(host) { return true }
        return false
    }

    static let mcpUnauthorized: Response = {
        var response = MCPServer.errorResponse(
            id: nil,
            MCPError(
                MCPError.invalidRequest,
                "Unauthorized: send Authorization: Bearer <token> (fazt token create --preset build --app NAME)",
                status: .unauthorized
            ),
            era: nil
        )
        // No resource_metadata: static bearer tokens only, no OAuth discovery.
        response.headers.add(name: "WWW-Authenticate", value: "Bearer")
        return response
    }()
}

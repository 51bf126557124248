import FaztAPI
import FaztKernel
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// An app's own MCP endpoint.
    static let appMCPPath = "/_mcp"

    /// Answers `POST http://<app>.<domain>/_mcp`.
    ///
    /// The tools are those of the app's live version (`"mcp"` in its `fazt.json`). A bearer token is optional (public tools need none); a token that is sent must
    /// be valid.
    func serveAppMCP(_ exchange: Exchange, app name: String) {
        guard admitsMCP(exchange) else { return }
        lookUpLiveApp(exchange, name: name) { [self] app in
            guard let manifest = app.snapshot.manifest.mcp else {
                let error = MCPError(
                    MCPError.invalidRequest,
                    "\(name) declares no MCP tools (add \"mcp\": {\"tools\": {…}} to its fazt.json)",
                    status: .notFound
                )
                return exchange.respond(MCPServer.errorResponse(id: nil, error, era: nil))
            }
            let secret = APIRequest.bearerToken(in: exchange.head.headers)
            let tokens = services.tokens
            services.threadPool.runIfActive(eventLoop: exchange.loop) { try secret.map { try tokens.verify($0) } }
                .whenComplete { [self] result in
                    switch result {
                    case .success(let found):
                        let token = found ?? nil
                        if secret != nil, token == nil { return exchange.respond(Self.mcpUnauthorized) }
                        let server = AppMCPServer(
                            services: services,
                            app: app,
                            manifest: manifest,
                            token: token,
                            clientIP: exchange.request.clientIP ?? ""
                        )
                        let head = exchange.head
                        let body = exchange.request.bodyBuffer
                        let task = Task { await server.handle(head: head, body: body) }
                        exchange.request.closed?.whenComplete { _ in task.cancel() }
                        exchange.loop.makeFutureWithTask { await task.value }.whenSuccess { exchange.respond($0) }
                    case .failure(let error):
                        self.fail(exchange, error: error)
                    }
                }
        }
    }
}

import FaztKernel
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// Where OAuth providers send the owner's browser back, on the owner host.
    static let oauthCallbackPath = "/_fazt/oauth/callback"

    /// `GET /_fazt/oauth/callback?code&state` (or `?error&state`): completes the authorization
    /// whose single-use `state` it carries and answers a small page saying how it went.
    ///
    /// The state is the credential here: it was made for the owner's `fazt connect add` and is
    /// deleted on first use, so a replayed or forged callback is refused.
    func serveOAuthCallback(_ exchange: Exchange) {
        let head = exchange.request.head
        // Not HEAD either: a state works once, and a link checker's HEAD must not use it up.
        guard head.method == .GET else {
            var response = Response.text(.methodNotAllowed, "method not allowed\n")
            response.headers.add(name: "Allow", value: "GET")
            return exchange.respond(response)
        }
        var query: [String: String] = [:]
        for (key, value) in FormEncoding.decode(exchange.request.policy.query ?? "") where query[key] == nil {
            query[key] = value
        }
        let connections = services.connections
        exchange.loop.makeFutureWithTask { await connections.complete(query: query) }
            .whenComplete { [self] result in
                switch result {
                case .success(.connected(let name)):
                    exchange.respond(
                        Self.oauthPage(
                            title: "Connected \(name)",
                            message: "Apps granted connection:\(name) can use it now. You may close this page.",
                            status: .ok
                        )
                    )
                case .success(.failed(let status, let message)):
                    exchange.respond(
                        Self.oauthPage(
                            title: "Not connected",
                            message: message,
                            status: HTTPResponseStatus(statusCode: status)
                        )
                    )
                case .success(.internalFailure(let detail)):
                    self.services.logger.error("OAuth callback failed", metadata: ["error": "\(detail)"])
                    exchange.respond(
                        Self.oauthPage(
                            title: "Not connected",
                            message: "The server could not complete the authorization; its log says why.",
                            status: .internalServerError
                        )
                    )
                case .failure(let error):
                    self.fail(exchange, error: error)
                }
            }
    }

    static func oauthPage(title: String, message: String, status: HTTPResponseStatus) -> Response {
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(Dashboard.escape(title))</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
            <h1>\(Dashboard.escape(title))</h1><p>\(Dashboard.escape(message))</p></body></html>
            """
        var response = Response.text(status, html, contentType: "text/html; charset=utf-8")
        response.headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        return response
    }
}

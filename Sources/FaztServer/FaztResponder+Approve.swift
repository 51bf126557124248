import FaztAPI
import FaztKernel
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// Where the owner approves what an agent asked for: `/_fazt/approve/{id}` on the control host.
    static let approvePrefix = "/_fazt/approve/"

    /// The approval page of request `id`.
    ///
    /// GET shows a form asking for the owner's token; POST (form field `token`, or a bearer header)
    /// approves and carries the request out, then shows its outcome. Scoped tokens cannot approve.
    func serveApproval(_ exchange: Exchange, id: String) {
        let head = exchange.head
        guard head.method == .POST else {
            guard head.method == .GET || head.method == .HEAD else {
                var response = Response.text(.methodNotAllowed, "method not allowed\n")
                response.headers.add(name: "Allow", value: "GET, POST")
                return exchange.respond(response)
            }
            return exchange.respond(Self.approvalPage(id: id, message: nil))
        }
        let fields = OwnerLoginPage.formFields(exchange.request.bodyBuffer)
        guard
            let secret = fields["token"].flatMap({ $0.isEmpty ? nil : $0 }) ?? APIRequest.bearerToken(in: head.headers)
        else {
            return exchange.respond(Self.approvalPage(id: id, message: "Give the owner token.", status: .unauthorized))
        }
        let tokens = services.tokens
        let api = services.api
        exchange.loop.makeFutureWithTask { () async throws -> Response in
            let token = try await self.services.threadPool.runIfActive { try tokens.verify(secret) }
            guard let token, token.isOwner else {
                return Self.approvalPage(id: id, message: "Only an owner token can approve.", status: .forbidden)
            }
            do {
                let decided = try await api.approve(id)
                let outcome = decided.status == "approved" ? "Approved and done." : "Approved, but it failed."
                return Self.approvalPage(id: id, message: "\(outcome) \(decided.result ?? "")", status: .ok)
            } catch let error as APIError {
                return Self.approvalPage(id: id, message: error.message, status: error.status)
            }
        }.whenComplete { [self] result in
            switch result {
            case .success(let response): exchange.respond(response)
            case .failure(let error): self.fail(exchange, error: error)
            }
        }
    }

    static func approvalPage(id: String, message: String?, status: HTTPResponseStatus = .ok) -> Response {
        let safe = Dashboard.escape(id)
        let note = message.map { "<p><strong>\(Dashboard.escape($0))</strong></p>" } ?? ""
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>Approve \(safe)</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
            <h1>Approve request \(safe)</h1>
            <p>An agent asked for an irreversible step (a data restore). Approve it with your owner token,
            or run <code>fazt approve \(safe)</code>; <code>fazt approve --list</code> shows what it restores.</p>
            \(note)
            <form method="post"><input type="password" name="token" placeholder="owner token" size="40">
            <button type="submit">Approve</button></form></body></html>
            """
        var response = Response.text(status, html, contentType: "text/html; charset=utf-8")
        response.headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
        return response
    }
}

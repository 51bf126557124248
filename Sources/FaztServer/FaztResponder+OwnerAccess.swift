import FaztKernel
import FaztVFS
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// Runs `admitted` when the request may see `app`: at once for public apps and webhooks
    /// (signed by their senders), else after the owner's token or session checks out.
    func admit(_ exchange: Exchange, app: ServedApp, _ admitted: @escaping @Sendable () -> Void) {
        let head = exchange.head
        guard app.snapshot.manifest.access == .owner,
            !WebhookReceiver.isHookPath(String(head.uri.prefix { $0 != "?" }))
        else {
            admitted()
            return
        }
        let name = app.snapshot.app
        guard let credential = OwnerCredential(headers: head.headers) else {
            exchange.respond(OwnerLoginPage.challenge(for: head))
            return
        }
        let key = credential.cacheKey(app: name)
        let cache = services.ownerAccess
        if let key, cache.contains(key) {
            admitted()
            return
        }
        let tokens = services.tokens
        let sessions = services.ownerSessions
        services.threadPool.runIfActive(eventLoop: exchange.loop) {
            try credential.verify(app: name, tokens: tokens, sessions: sessions)
        }.whenComplete { [self] result in
            switch result {
            case .success(true):
                if let key { cache.insert(key) }
                admitted()
            case .success(false):
                exchange.respond(OwnerLoginPage.challenge(for: head))
            case .failure(let error):
                self.fail(exchange, error: error)
            }
        }
    }

    /// `POST /_fazt/session` on an owner-only app: a valid owner token (form field `token`) starts
    /// a session, set as the `fazt_session` cookie, and redirects (303) to the form's `next`.
    func serveOwnerSession(_ exchange: Exchange, app name: String) {
        let head = exchange.head
        guard head.method == .POST else {
            var response = Response.json(
                ["error": "sign in with POST (form fields token, next)"],
                status: .methodNotAllowed
            )
            response.headers.add(name: "Allow", value: "POST")
            exchange.respond(response)
            return
        }
        lookUpLiveApp(exchange, name: name) { app in
            guard app.snapshot.manifest.access == .owner else {
                exchange.respond(Response.json(["error": "this app is public: it needs no session"], status: .notFound))
                return
            }
            self.startOwnerSession(exchange, app: app.snapshot.app)
        }
    }

    /// Checks the sign-in form's owner token and starts a session on `app` (its own host, or one
    /// of its version previews: the cookie belongs to the host it is set on).
    func startOwnerSession(_ exchange: Exchange, app appName: String) {
        let head = exchange.head
        let fields = OwnerLoginPage.formFields(exchange.request.bodyBuffer)
        let next = OwnerLoginPage.safeNext(fields["next"])
        guard let token = fields["token"]?.trimmingSpaces, !token.isEmpty else {
            exchange.respond(OwnerLoginPage.challenge(for: head, next: next))
            return
        }
        let tokens = services.tokens
        let sessions = services.ownerSessions
        services.threadPool.runIfActive(eventLoop: exchange.loop) { () throws -> String? in
            guard try tokens.verify(String(token))?.allows(.appsRead, app: appName) == true else { return nil }
            return try sessions.create(app: appName)
        }.whenComplete { [self] result in
            switch result {
            case .success(let id?):
                exchange.respond(OwnerLoginPage.signedIn(session: id, next: next))
            case .success(nil):
                exchange.respond(OwnerLoginPage.challenge(for: head, next: next, failed: true))
            case .failure(let error):
                self.fail(exchange, error: error)
            }
        }
    }
}

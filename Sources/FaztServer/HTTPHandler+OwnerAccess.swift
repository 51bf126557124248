import FaztVFS
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// Runs `admitted` when the request may see `app`: at once for public apps and webhooks
    /// (signed by their senders), else after the owner's token or session checks out.
    func admit(context: ChannelHandlerContext, head: HTTPRequestHead, app: ServedApp, _ admitted: @escaping () -> Void)
    {
        guard app.snapshot.manifest.access == .owner,
            !WebhookReceiver.isHookPath(String(head.uri.prefix { $0 != "?" }))
        else {
            admitted()
            return
        }
        let name = app.snapshot.app
        guard let credential = OwnerCredential(headers: head.headers) else {
            respond(context: context, head: head, response: OwnerLoginPage.challenge(for: head))
            return
        }
        let key = credential.cacheKey(app: name)
        let cache = services.ownerAccess
        if cache.contains(key) {
            admitted()
            return
        }
        let tokens = services.tokens
        let sessions = services.ownerSessions
        services.threadPool.runIfActive(eventLoop: context.eventLoop) {
            try credential.verify(app: name, tokens: tokens, sessions: sessions)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(true):
                cache.insert(key)
                admitted()
            case .success(false):
                self.respond(context: context, head: head, response: OwnerLoginPage.challenge(for: head))
            case .failure(let error):
                self.fail(context: context, head: head, error: error)
            }
        }
    }

    /// `POST /_fazt/session` on an owner-only app: a valid owner token (form field `token`) starts
    /// a session, set as the `fazt_session` cookie, and redirects (303) to the form's `next`.
    func serveOwnerSession(context: ChannelHandlerContext, head: HTTPRequestHead, app name: String, body: ByteBuffer) {
        guard head.method == .POST else {
            var response = Response.json(
                ["error": "sign in with POST (form fields token, next)"],
                status: .methodNotAllowed
            )
            response.headers.add(name: "Allow", value: "POST")
            respond(context: context, head: head, response: response)
            return
        }
        lookUpLiveApp(context: context, head: head, name: name) { app in
            guard app.snapshot.manifest.access == .owner else {
                let response = Response.json(["error": "this app is public: it needs no session"], status: .notFound)
                self.respond(context: context, head: head, response: response)
                return
            }
            let fields = OwnerLoginPage.formFields(body)
            let next = OwnerLoginPage.safeNext(fields["next"])
            guard let token = fields["token"]?.trimmingSpaces, !token.isEmpty else {
                self.respond(context: context, head: head, response: OwnerLoginPage.challenge(for: head, next: next))
                return
            }
            let tokens = self.services.tokens
            let sessions = self.services.ownerSessions
            let appName = app.snapshot.app
            self.services.threadPool.runIfActive(eventLoop: context.eventLoop) { () throws -> String? in
                guard try tokens.verify(String(token)) != nil else { return nil }
                return try sessions.create(app: appName)
            }.assumeIsolated().whenComplete { [self] result in
                switch result {
                case .success(let id?):
                    self.respond(
                        context: context,
                        head: head,
                        response: OwnerLoginPage.signedIn(session: id, next: next)
                    )
                case .success(nil):
                    let response = OwnerLoginPage.challenge(for: head, next: next, failed: true)
                    self.respond(context: context, head: head, response: response)
                case .failure(let error):
                    self.fail(context: context, head: head, error: error)
                }
            }
        }
    }
}

import FaztRuntime
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// `http://<app>--v<N>.<domain>/…`: version N of the app, live or not, for the owner (token or
    /// session) or the bearer of a signed preview link; static files exactly as on the live host,
    /// `api/` handlers against the preview's own empty storage (namespace `<app>--v<N>`).
    func servePreview(_ exchange: Exchange, app: String, version: Int, path: String, query: String?) {
        let method = exchange.head.method
        if path == OwnerLoginPage.sessionPath {
            guard method == .POST else {
                var response = Response.json(
                    ["error": "sign in with POST (form fields token, next)"],
                    status: .methodNotAllowed
                )
                response.headers.add(name: "Allow", value: "POST")
                return exchange.respond(response)
            }
            return startOwnerSession(exchange, app: app)
        }
        let isAPI = HandlerRouter.isAPIPath(path)
        if path == "/_ws" || path == "/_sse" || WebhookReceiver.isHookPath(path) {
            let message = "realtime connections and webhooks are not previewed: use the live app"
            return exchange.respond(.json(["error": message], status: .notFound))
        }
        if !isAPI, method != .GET, method != .HEAD {
            var response = Response.text(.methodNotAllowed, "method not allowed\n")
            response.headers.add(name: "Allow", value: "GET, HEAD")
            return exchange.respond(response)
        }
        admitPreview(exchange, app: app, version: version, query: query) { exchange in
            let vfs = self.services.vfs
            self.services.threadPool.runIfActive(eventLoop: exchange.loop) {
                try vfs.snapshot(app: app, version: version).map { ServedApp($0, vfs: vfs) }
            }.whenComplete { [self] result in
                switch result {
                case .success(let served?) where isAPI:
                    let label = AppName.previewLabel(app: app, version: version)
                    self.runHandler(exchange, app: served, namespace: label, path: path, query: query)
                case .success(let served?):
                    self.serveFile(exchange, app: served, path: path, query: query)
                case .success(nil):
                    let message = "\(app) has no version \(version) (see 'fazt versions \(app)')"
                    exchange.respond(
                        isAPI ? .json(["error": message], status: .notFound) : .text(.notFound, message + "\n")
                    )
                case .failure(let error):
                    self.fail(exchange, error: error)
                }
            }
        }
    }

    /// Runs `admitted` when the request may see the preview: a valid signed link (`?preview=`, which
    /// also sets the host's `fazt_preview` cookie on the answer) or cookie, else the owner's token
    /// or session (on `app`); otherwise answers like an owner-only app (401, sign-in form).
    private func admitPreview(
        _ exchange: Exchange,
        app: String,
        version: Int,
        query: String?,
        _ admitted: @escaping @Sendable (Exchange) -> Void
    ) {
        let head = exchange.head
        let now = Int64(Date().timeIntervalSince1970)
        let key = services.previewKey
        if let link = Self.queryValue(PreviewLink.queryName, in: query) {
            guard PreviewLink.isValid(link, app: app, version: version, now: now, key: key) else {
                let message =
                    "this preview link is expired or invalid: ask for a new one (fazt preview \(app) \(version))"
                return exchange.respond(.json(["error": message], status: .forbidden))
            }
            // The answer carries the cookie, so the page's own requests (assets, fetches) get in too.
            let cookie = PreviewLink.setCookie(link, now: now)
            let done = exchange.done
            let withCookie = Exchange(request: exchange.request, loop: exchange.loop) { reply in
                guard case .full(var response) = reply else { return done(reply) }
                response.headers.add(name: "Set-Cookie", value: cookie)
                response.headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
                done(.full(response))
            }
            return admitted(withCookie)
        }
        if let cookie = PreviewLink.cookie(in: head.headers),
            PreviewLink.isValid(cookie, app: app, version: version, now: now, key: key)
        {
            return admitted(exchange)
        }
        guard let credential = OwnerCredential(headers: head.headers) else {
            return exchange.respond(OwnerLoginPage.challenge(for: head))
        }
        let cacheKey = credential.cacheKey(app: app)
        let cache = services.ownerAccess
        if let cacheKey, cache.contains(cacheKey) { return admitted(exchange) }
        let tokens = services.tokens
        let sessions = services.ownerSessions
        services.threadPool.runIfActive(eventLoop: exchange.loop) {
            try credential.verify(app: app, tokens: tokens, sessions: sessions)
        }.whenComplete { [self] result in
            switch result {
            case .success(true):
                if let cacheKey { cache.insert(cacheKey) }
                admitted(exchange)
            case .success(false):
                exchange.respond(OwnerLoginPage.challenge(for: head))
            case .failure(let error):
                self.fail(exchange, error: error)
            }
        }
    }
}

import FaztVFS
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// An app's static files: GET and HEAD only.
    func serveApp(_ exchange: Exchange, app name: String, path: String, query: String?) {
        let method = exchange.head.method
        guard method == .GET || method == .HEAD else {
            var response = Response.text(.methodNotAllowed, "method not allowed\n")
            response.headers.add(name: "Allow", value: "GET, HEAD")
            exchange.respond(response)
            return
        }
        withLiveApp(exchange, name: name) { app in
            self.serveFile(exchange, app: app, path: path, query: query)
        }
    }

    /// Finds the app's live version (from memory, else loaded off the loop) and continues once the
    /// request is admitted (owner-only apps: see `admit`); answers 404 for unknown apps.
    func withLiveApp(_ exchange: Exchange, name: String, _ body: @escaping @Sendable (ServedApp) -> Void) {
        lookUpLiveApp(exchange, name: name) { app in
            self.admit(exchange, app: app) { body(app) }
        }
    }

    /// Finds the app's live version and continues, whoever asks; 404 for unknown apps.
    func lookUpLiveApp(_ exchange: Exchange, name: String, _ body: @escaping @Sendable (ServedApp) -> Void) {
        switch services.catalog.lookup(name) {
        case .live(let app):
            body(app)
        case .missing:
            exchange.respond(Dashboard.unknownApp(name))
        case .unknown:
            guard (try? AppName.validate(name)) != nil else {
                exchange.respond(Dashboard.unknownApp(name))
                return
            }
            let catalog = services.catalog
            services.threadPool.runIfActive(eventLoop: exchange.loop) { try catalog.load(name) }
                .whenComplete { [self] result in
                    switch result {
                    case .success(let app?): body(app)
                    case .success(nil): exchange.respond(Dashboard.unknownApp(name))
                    case .failure(let error): self.fail(exchange, error: error)
                    }
                }
        }
    }

    /// Answers a static request from `app`'s files (redirects, `404.html`, SPA fallback, ETags).
    func serveFile(_ exchange: Exchange, app: ServedApp, path: String, query: String?) {
        switch StaticResolver.resolve(app.snapshot, path: path, query: query) {
        case .redirect(let location):
            var headers = HTTPHeaders()
            headers.add(name: "Location", value: location)
            exchange.respond(Response(status: .movedPermanently, headers: headers))
        case .notFound:
            exchange.respond(Dashboard.notFound())
        case .file(let filePath, let entry, let notFound):
            let cacheControl = app.cacheControl[filePath] ?? "no-cache"
            let head = exchange.head
            let finish: @Sendable (CachedBlob) -> Void = { blob in
                let response = StaticResponder.response(
                    request: head,
                    entry: entry,
                    blob: blob,
                    cacheControl: cacheControl,
                    lastModified: app.lastModified,
                    notFound: notFound
                )
                exchange.respond(response)
            }
            if let blob = services.blobCache.get(entry.hash) {
                finish(blob)
                return
            }
            let vfs = services.vfs
            let cache = services.blobCache
            services.threadPool.runIfActive(eventLoop: exchange.loop) { () throws -> CachedBlob in
                guard let content = try vfs.blob(entry.hash) else {
                    throw APIError(
                        status: .internalServerError,
                        code: "internal",
                        message: "missing blob \(entry.hash)"
                    )
                }
                let blob = CachedBlob(hash: entry.hash, content: content)
                cache.put(entry.hash, blob)
                return blob
            }.whenComplete { [self] result in
                switch result {
                case .success(let blob): finish(blob)
                case .failure(let error): self.fail(exchange, error: error)
                }
            }
        }
    }
}

import FaztVFS
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    func serveApp(
        context: ChannelHandlerContext,
        head: HTTPRequestHead,
        app name: String,
        path: String,
        query: String?
    ) {
        guard head.method == .GET || head.method == .HEAD else {
            var response = Response.text(.methodNotAllowed, "method not allowed\n")
            response.headers.add(name: "Allow", value: "GET, HEAD")
            respond(context: context, head: head, response: response)
            return
        }
        withLiveApp(context: context, head: head, name: name) { app in
            self.serveFile(context: context, head: head, app: app, path: path, query: query)
        }
    }

    /// Finds the app's live version (from memory, else loaded off the loop) and continues on the
    /// loop once the request is admitted (owner-only apps: see `admit`); answers 404 for unknown apps.
    func withLiveApp(
        context: ChannelHandlerContext,
        head: HTTPRequestHead,
        name: String,
        _ body: @escaping (ServedApp) -> Void
    ) {
        lookUpLiveApp(context: context, head: head, name: name) { app in
            self.admit(context: context, head: head, app: app) { body(app) }
        }
    }

    /// Finds the app's live version and continues on the loop, whoever asks; 404 for unknown apps.
    func lookUpLiveApp(
        context: ChannelHandlerContext,
        head: HTTPRequestHead,
        name: String,
        _ body: @escaping (ServedApp) -> Void
    ) {
        switch services.catalog.lookup(name) {
        case .live(let app):
            body(app)
        case .missing:
            respond(context: context, head: head, response: Dashboard.unknownApp(name))
        case .unknown:
            guard (try? AppName.validate(name)) != nil else {
                respond(context: context, head: head, response: Dashboard.unknownApp(name))
                return
            }
            let catalog = services.catalog
            services.threadPool.runIfActive(eventLoop: context.eventLoop) { try catalog.load(name) }
                .assumeIsolated().whenComplete { [self] result in
                    switch result {
                    case .success(let app?):
                        body(app)
                    case .success(nil):
                        self.respond(context: context, head: head, response: Dashboard.unknownApp(name))
                    case .failure(let error):
                        self.fail(context: context, head: head, error: error)
                    }
                }
        }
    }

    private func serveFile(
        context: ChannelHandlerContext,
        head: HTTPRequestHead,
        app: ServedApp,
        path: String,
        query: String?
    ) {
        switch StaticResolver.resolve(app.snapshot, path: path, query: query) {
        case .redirect(let location):
            var headers = HTTPHeaders()
            headers.add(name: "Location", value: location)
            respond(context: context, head: head, response: Response(status: .movedPermanently, headers: headers))
        case .notFound:
            respond(context: context, head: head, response: Dashboard.notFound())
        case .file(let filePath, let entry, let notFound):
            let cacheControl = app.cacheControl[filePath] ?? "no-cache"
            let finish = { [self] (blob: CachedBlob) in
                let response = StaticResponder.response(
                    request: head,
                    entry: entry,
                    blob: blob,
                    cacheControl: cacheControl,
                    lastModified: app.lastModified,
                    notFound: notFound
                )
                self.respond(context: context, head: head, response: response)
            }
            if let blob = services.blobCache.get(entry.hash) {
                finish(blob)
                return
            }
            let vfs = services.vfs
            let cache = services.blobCache
            services.threadPool.runIfActive(eventLoop: context.eventLoop) { () throws -> CachedBlob in
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
            }.assumeIsolated().whenComplete { [self] result in
                switch result {
                case .success(let blob): finish(blob)
                case .failure(let error): self.fail(context: context, head: head, error: error)
                }
            }
        }
    }
}

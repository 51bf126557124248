import FaztKernel
import FaztRuntime
import FaztVFS
import NIOCore
import NIOHTTP1

/// The server's responder: maps each routed request to its reply.
///
/// `route(_:)` is the one dispatch point: every route of the server is a case of its switch over
/// `Route`, and each case's code lives in a `FaztResponder+Concern.swift` file. Routes never see the
/// channel; they complete their `Exchange` once, on its event loop.
struct FaztResponder: HTTPResponder {
    let services: ServerServices

    func policy(for head: HTTPRequestHead) -> RequestPolicy {
        RequestPolicy(head: head, configuration: services.configuration)
    }

    func authorize(token: String, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        let tokens = services.tokens
        let sessions = services.ownerSessions
        return services.threadPool.runIfActive(eventLoop: loop) {
            // A dashboard session (`DashboardSession.uploadCredential`) or a token.
            token.hasPrefix("fzs_")
                ? try sessions.isValid(token, app: OwnerSessions.dashboard) : try tokens.verify(token) != nil
        }
    }

    func makeSpoolFile() throws -> SpoolFile {
        try SpoolFile(path: services.temporaryPath(prefix: "upload"))
    }

    func write(_ chunk: ByteBuffer, to file: SpoolFile, on loop: any EventLoop) -> EventLoopFuture<Void> {
        services.threadPool.runIfActive(eventLoop: loop) { try file.write(chunk) }
    }

    func reply(to request: RoutedRequest, on loop: any EventLoop, done: @escaping @Sendable (Reply) -> Void) {
        guard let dev = services.configuration.dev, case .app = request.policy.route else {
            return route(Exchange(request: request, loop: loop, done: done))
        }
        // `fazt dev`: the app's files are synced from disk first, and the answer is logged.
        let started = RequestMetrics.now()
        let method = request.head.method.rawValue
        let uri = request.head.uri
        let logged: @Sendable (Reply) -> Void = { reply in
            let status: UInt =
                switch reply {
                case .full(let response): response.status.code
                case .stream(let response, _): response.status.code
                case .upgrade: 101
                }
            dev.requestLog(method, uri, status, RequestMetrics.now() &- started)
            done(reply)
        }
        dev.beforeRequest {
            loop.execute { route(Exchange(request: request, loop: loop, done: logged)) }
        }
    }

    /// Dispatches a request to its route.
    ///
    /// New routes (WebSocket upgrades on `/_ws`, MCP, git smart HTTP) are new cases here, with their
    /// body handling and limit in `RequestPolicy`.
    private func route(_ exchange: Exchange) {
        let request = exchange.request
        let query = request.policy.query
        // `<app>--v<N>` is reserved for version previews (no new app can have such a name); an app
        // named so before the names were reserved keeps its host.
        if case .app(let name, let path) = request.policy.route, name.contains("--v"),
            let preview = AppName.preview(name)
        {
            switch services.catalog.lookup(name) {
            case .live:
                break
            case .missing:
                return servePreview(exchange, app: preview.app, version: preview.version, path: path, query: query)
            case .unknown:
                let catalog = services.catalog
                services.threadPool.runIfActive(eventLoop: exchange.loop) { try catalog.load(name) }
                    .whenComplete { [self] result in
                        if case .success(.some) = result { return route(exchange) }
                        servePreview(exchange, app: preview.app, version: preview.version, path: path, query: query)
                    }
                return
            }
        }
        switch request.policy.route {
        case .app(let name, let path) where HandlerRouter.isAPIPath(path):
            serveAPI(exchange, app: name, path: path, query: query)
        case .app(let name, Self.appMCPPath):
            serveAppMCP(exchange, app: name)
        case .app(let name, "/_ws"):
            serveSocket(exchange, app: name, query: query)
        case .app(let name, "/_sse"):
            serveChannelEvents(exchange, app: name, query: query)
        case .app(let name, OwnerLoginPage.sessionPath):
            serveOwnerSession(exchange, app: name)
        case .app(let name, let path) where WebhookReceiver.isHookPath(path):
            serveHook(exchange, app: name, path: path, query: query)
        case .app(let name, let path):
            serveApp(exchange, app: name, path: path, query: query)
        case .control(let path):
            serveControl(exchange, path: path)
        case .git(let app, let path):
            serveGit(exchange, app: app, path: path, query: query)
        case .dashboard(Self.mcpPath):
            serveMCP(exchange)
        case .dashboard(Self.oauthCallbackPath):
            serveOAuthCallback(exchange)
        case .dashboard(Self.metricsPath):
            serveMetrics(exchange)
        case .dashboard(let path) where path == Self.livezPath || path == Self.readyzPath:
            serveHealth(exchange, path: path)
        case .dashboard(OwnerLoginPage.sessionPath):
            serveDashboardSession(exchange)
        case .dashboard(let path) where path.hasPrefix(Self.passkeysPrefix):
            servePasskeys(exchange, path: path)
        case .dashboard(let path) where path.hasPrefix(Self.approvePrefix):
            serveApproval(exchange, id: String(path.dropFirst(Self.approvePrefix.count)))
        case .dashboard(let path):
            exchange.respond(Dashboard.response(path: path, method: request.head.method))
        case .unknownHost:
            exchange.respond(Dashboard.unknownHost())
        }
    }

    /// `/_fazt/api/v1/*`: the control API, off the loop; `?follow=1` answers become event streams.
    private func serveControl(_ exchange: Exchange, path: String) {
        var upload: APIRequest.Upload?
        if case .upload(let spooled) = exchange.request.body { upload = spooled }
        let head = exchange.request.head
        let body = exchange.request.bodyBuffer
        let apiRequest = APIRequest(head: head, path: path, body: body, upload: upload)
        let api = services.api
        exchange.loop.makeFutureWithTask { await api.handle(apiRequest) }
            .whenComplete { [self] result in
                switch result {
                case .success(let response):
                    if let path = response.file, head.method != .HEAD {
                        var started = response
                        started.body = ByteBuffer()
                        started.omitsLength = true
                        let stream = FileDownloadStream(path: path, pool: self.services.threadPool)
                        return exchange.complete(.stream(started, stream))
                    }
                    guard let follow = response.follow else { return exchange.respond(response) }
                    exchange.complete(self.eventStream(following: follow))
                case .failure(let error):
                    self.fail(exchange, error: error)
                }
            }
    }

    /// Answers 500 for an unexpected failure; the details go to the log, never to the client.
    func fail(_ exchange: Exchange, error: Error) {
        let uri = exchange.request.head.uri
        services.logger.error("request failed", metadata: ["http.uri": "\(uri)", "error": "\(error)"])
        exchange.respond(Response.text(.internalServerError, "internal error\n"))
    }
}

extension FaztResponder {
    /// One request being answered: the request, the loop it lives on, and where its reply goes;
    /// exactly one route completes it, exactly once, from any thread.
    ///
    /// A class: routes capture it in several closures (app lookup, admission, blob load), and a
    /// struct of this size costs a retain per field at every capture.
    final class Exchange: Sendable {
        let request: RoutedRequest
        let loop: any EventLoop
        let done: @Sendable (Reply) -> Void

        init(request: RoutedRequest, loop: any EventLoop, done: @escaping @Sendable (Reply) -> Void) {
            self.request = request
            self.loop = loop
            self.done = done
        }

        var head: HTTPRequestHead { request.head }

        func respond(_ response: Response) {
            complete(.full(response))
        }

        /// Hands the reply to the connection, on its loop (at once when already there).
        func complete(_ reply: Reply) {
            if loop.inEventLoop {
                done(reply)
            } else {
                let done = self.done
                loop.execute { done(reply) }
            }
        }
    }
}

import FaztRuntime
import NIOHTTP1

/// What the server decides about a request from its head alone, once: route, body handling and limit.
struct RequestPolicy {
    /// How the request body is kept.
    enum BodyHandling: Equatable {
        /// The route has no use for a body.
        case discard
        /// Held in memory for the route (control API, app handlers, webhooks, owner login).
        case collect
        /// Streamed to a spool file (deploy uploads), after the token is checked.
        case spool
    }

    let route: Route
    let query: String?
    let method: HTTPMethod
    /// The largest body the route accepts, in bytes.
    let limit: Int
    let body: BodyHandling

    init(head: HTTPRequestHead, configuration: ServerConfiguration) {
        var path = head.uri
        var query: String?
        if let mark = head.uri.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(head.uri[..<mark])
            query = String(head.uri[head.uri.index(after: mark)...])
        }
        var route = Route.resolve(host: head.headers.first(name: "Host"), path: path, domain: configuration.domain)
        if let dev = configuration.dev { route = route.serving(dev.app, path: path) }
        self.route = route
        self.query = query
        self.method = head.method
        switch route {
        case .control(let path) where head.method == .POST && ControlAPI.isDeployPath(path):
            limit = configuration.deployLimits.maxUploadBytes
            body = .spool
        case .control(let path) where head.method == .PUT && ControlAPI.isDraftFilePath(path):
            // One file of a draft: the deploy's per-file limit, not the generic body limit.
            limit = configuration.deployLimits.maxFileBytes
            body = .collect
        case .control:
            limit = configuration.maxBodyBytes
            body = .collect
        case .git(_, let path) where head.method == .POST:
            // A push carries the whole pack; its limit is the deploy upload limit.
            limit = path == "/git-receive-pack" ? configuration.deployLimits.maxUploadBytes : configuration.maxBodyBytes
            body = .collect
        case .dashboard(FaztResponder.mcpPath), .app(_, FaztResponder.appMCPPath):
            limit = FaztResponder.mcpMaxBodyBytes
            body = .collect
        case .dashboard(OwnerLoginPage.sessionPath),
            .dashboard(_) where path.hasPrefix(FaztResponder.passkeysPrefix):
            limit = 16 * 1024
            body = .collect
        case .dashboard(let path) where path.hasPrefix(FaztResponder.approvePrefix):
            limit = 64 * 1024
            body = .collect
        case .app(_, let path) where WebhookReceiver.isHookPath(path):
            limit = WebhookReceiver.maxBodyBytes
            body = .collect
        case .app(_, let path) where HandlerRouter.isAPIPath(path) || path == OwnerLoginPage.sessionPath:
            limit = configuration.maxBodyBytes
            body = .collect
        default:
            limit = configuration.maxBodyBytes
            body = .discard
        }
    }

    /// The `app` label of the request's metrics: the app's host label, `_fazt` for the owner's
    /// domain (control API, git, dashboard), `_unknown` for hosts that name no app.
    var metricsLabel: String {
        switch route {
        case .app(let name, _): name
        case .unknownHost: "_unknown"
        case .dashboard, .control, .git: "_fazt"
        }
    }

    /// Whether a declared body over the limit is answered only after the token check (401 before 413).
    var checksTokenBeforeTooLarge: Bool {
        guard case .control(let path) = route else { return false }
        return path != "/health"
    }

    /// The 413, naming the flag that raises the limit, in the shape the route uses.
    var tooLarge: Response {
        let megabytes = max(1, limit / 1_048_576)
        let generic = "the request body is larger than the \(megabytes) MB limit (fazt serve --max-body-mb raises it)"
        switch route {
        case .control where body == .spool:
            let message =
                "the upload is larger than the \(megabytes) MB limit (fazt serve --max-upload-mb raises it)"
            return .error(.payloadTooLarge, code: "too_large", message: message)
        case .control(let path) where method == .PUT && ControlAPI.isDraftFilePath(path):
            let message =
                "the file is larger than the \(megabytes) MB per-file limit (fazt serve --max-file-mb raises it)"
            return .error(.payloadTooLarge, code: "too_large", message: message)
        case .control:
            return .error(.payloadTooLarge, code: "too_large", message: generic)
        case .dashboard(FaztResponder.mcpPath), .app(_, FaztResponder.appMCPPath):
            return MCPServer.errorResponse(
                id: nil,
                MCPError(
                    MCPError.invalidRequest,
                    "the message is larger than the \(megabytes) MB limit of the MCP endpoint",
                    status: .payloadTooLarge
                ),
                era: nil
            )
        case .app(_, let path) where WebhookReceiver.isHookPath(path):
            return .json(["error": "webhook bodies are limited to \(megabytes) MB"], status: .payloadTooLarge)
        case .app(_, let path) where HandlerRouter.isAPIPath(path):
            return .json(["error": generic], status: .payloadTooLarge)
        default:
            return .text(.payloadTooLarge, generic + "\n")
        }
    }
}

import FaztAPI
import FaztKernel
import NIOHTTP1

/// `GET /audit[?token=NAME&limit=N]` (owner): the audit trail; and the rows scoped-token writes add.
extension ControlAPI {
    /// The route, or nil when the path is not this one.
    func auditRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.first == "audit" else { return nil }
        guard segments.count == 1 else {
            throw APIError.notFound("no control API route \(request.method) \(request.path)")
        }
        guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
        let limit = try request.limit(default: 100, maximum: 10_000)
        let name = request.query["token"].flatMap { $0.isEmpty ? nil : $0 }
        let audit = services.audit
        return .json(AuditList(entries: try await blocking { try audit.list(token: name, limit: limit) }))
    }

    /// Writes the audit row of a scoped token's control API write (the body is hashed, never kept).
    func audit(
        _ request: APIRequest,
        token: TokenInfo,
        status: HTTPResponseStatus,
        since started: ContinuousClock.Instant
    )
        async
    {
        let elapsed = ContinuousClock.now - started
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let segments = request.path.split(separator: "/")
        let app = segments.count >= 2 && segments[0] == "apps" ? String(segments[1]).lowercased() : nil
        let outcome = status.code < 400 ? "ok" : "error: HTTP \(status.code)"
        try? await services.audit.record(
            token: token.name,
            action: "\(request.method) \(request.path)",
            app: app,
            argsHash: AuditLog.hash(Array(request.body.readableBytesView)),
            outcome: outcome,
            durationMs: ms
        )
    }
}

import FaztAPI
import FaztKernel
import NIOCore
import NIOHTTP1

/// `/approvals`: irreversible steps agents asked for (`data_restore` without `storage:admin`).
///
/// `GET /approvals[?app=]`, `GET /approvals/{id}`, `POST /approvals/{id}/approve` (owner only:
/// `ControlAccess` keeps every route outside `/apps` closed to scoped tokens). Approving carries the
/// step out at once, as the owner, and records what it answered.
extension ControlAPI {
    /// The route, or nil when the path is not one of these.
    func approvalsRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.first == "approvals" else { return nil }
        let approvals = services.approvals
        switch (request.method, segments.count) {
        case (.GET, 1):
            let app = request.query["app"].flatMap { $0.isEmpty ? nil : $0 }
            return .json(ApprovalList(approvals: try await blocking { try approvals.list(app: app) }))
        case (.GET, 2):
            return .json(try await approval(segments[1]))
        case (.POST, 3) where segments[2] == "approve":
            return .json(try await approve(segments[1]))
        case (_, 1...3):
            throw APIError.methodNotAllowed(request.method)
        default:
            throw APIError.notFound("no control API route \(request.method) \(request.path)")
        }
    }

    private func approval(_ id: String) async throws -> ApprovalBody {
        let approvals = services.approvals
        guard let found = try await blocking({ try approvals.get(id) }) else {
            throw APIError.notFound("no approval request '\(id)' (see 'fazt approve --list')")
        }
        return found
    }

    /// Approves a pending request and carries it out; a request is decided once only.
    func approve(_ id: String) async throws -> ApprovalBody {
        let found = try await approval(id)
        guard try await services.approvals.claim(id) else {
            throw APIError(
                status: .conflict,
                code: "conflict",
                message: "approval '\(id)' was already decided (status \(found.status))"
            )
        }
        let response: Response
        switch found.action {
        case "data_restore":
            let owner = TokenInfo(id: "approval", name: "approval \(id)", createdAt: 0)
            let request = APIRequest(
                head: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/_fazt/api/v1/apps/\(found.app)/restore"),
                path: "/apps/\(found.app)/restore",
                body: ByteBuffer(string: found.arguments),
                upload: nil,
                token: owner,
                viaMCP: true
            )
            response = await handle(request)
        default:
            response = .error(.badRequest, code: "bad_request", message: "unknown action \(found.action)")
        }
        let text = response.body.map { String(buffer: $0) } ?? ""
        let status = response.status.code < 400 ? "approved" : "failed"
        try await services.approvals.finish(id, status: status, result: text)
        return try await approval(id)
    }
}

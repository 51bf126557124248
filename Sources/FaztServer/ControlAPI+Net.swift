import FaztAPI
import FaztKernel
import FaztNet
import NIOHTTP1

/// `/apps/{name}/net`: the owner's egress grants (`fazt net allow|list|remove`), owner-only.
extension ControlAPI {
    func netRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        if request.method == .GET, segments.count == 3, segments[0] == "apps", segments[2] == "egress" {
            return try await egressCalls(request, app: segments[1])
        }
        guard segments.count >= 3, segments.count <= 4, segments[0] == "apps", segments[2] == "net" else {
            return nil
        }
        let (app, manifest) = try await liveManifest(segments[1])
        let grants = EgressGrants(store: services.store)
        switch (request.method, segments.count) {
        case (.GET, 3):
            let hosts = try await blocking { try grants.list(app: app) }
            return .json(NetGrantList(app: app, manifest: manifest.egress?.patterns, grants: hosts))
        case (.POST, 3):
            let host = try Self.checkedHost(try request.decodeJSON(NetGrant.self).host)
            try await grants.allow(app: app, host: host)
            services.egressRules.grantsChanged(app: app)
            return .json(["app": app, "allowed": host])
        case (.DELETE, 4):
            let host = segments[3].removingPercentEncoding ?? segments[3]
            guard try await grants.remove(app: app, host: host) else {
                throw APIError.notFound("\(host) is not granted to \(app) (see fazt net list \(app))")
            }
            services.egressRules.grantsChanged(app: app)
            return .json(["app": app, "removed": host])
        default:
            return nil
        }
    }

    /// `GET /apps/{name}/egress?limit=N`: the newest calls (default 100, at most 1000), `logs:read`.
    private func egressCalls(_ request: APIRequest, app name: String) async throws -> Response {
        let limit = request.query["limit"].map { Int($0) } ?? 100
        guard let limit, (1...EgressLog.keepPerApp).contains(limit) else {
            throw APIError.badRequest("limit must be a whole number from 1 to \(EgressLog.keepPerApp)")
        }
        let (app, _) = try await liveManifest(name)
        let log = EgressLog(store: services.store)
        let calls = try await blocking { try log.list(app: app, limit: limit) }
        return .json(EgressCallList(app: app, calls: calls))
    }

    static func checkedHost(_ host: String) throws -> String {
        if let problem = HostAllowlist.problem(with: host) {
            throw APIError.badRequest("host \"\(host)\" \(problem) (e.g. api.github.com or *.slack.com)")
        }
        return host
    }
}

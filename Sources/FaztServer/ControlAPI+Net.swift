import FaztAPI
import FaztKernel
import FaztNet
import NIOHTTP1

/// `/apps/{name}/net`: the owner's egress grants (`fazt net allow|list|remove`), owner-only.
extension ControlAPI {
    func netRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
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

    static func checkedHost(_ host: String) throws -> String {
        if let problem = HostAllowlist.problem(with: host) {
            throw APIError.badRequest("host \"\(host)\" \(problem) (e.g. api.github.com or *.slack.com)")
        }
        return host
    }
}

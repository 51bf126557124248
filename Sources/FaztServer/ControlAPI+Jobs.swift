import FaztAPI
import FaztScheduler
import FaztStorage
import FaztStore
import FaztVFS
import NIOCore
import NIOHTTP1

/// `/apps/{name}/runs` (execution history) and `/apps/{name}/jobs` (pending and dead jobs, retry,
/// cancel).
extension ControlAPI {
    /// The route, or nil when the path is not one of these.
    func jobsRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count >= 3, segments[0] == "apps", segments[2] == "runs" || segments[2] == "jobs" else {
            return nil
        }
        let app = try await blocking { [vfs = services.vfs] in try vfs.info(app: segments[1]).name }
        let store = services.store
        let query = request.query
        switch (request.method, segments[2], segments.count) {
        case (.GET, "runs", 3):
            let limit = try request.limit(default: 100, maximum: 1000)
            let kind = try query["kind"].map { text in
                guard let kind = RunLog.kind(named: text) else {
                    throw APIError.badRequest("kind must be \(RunLog.kindList) (got '\(text)')")
                }
                return kind
            }
            let before = query["before"].flatMap { Int64($0) }
            let runs = try await blocking {
                try store.read { try RunLog.list($0, app: app, kind: kind, limit: limit, before: before) }
            }
            return .json(RunList(app: app, runs: runs.map(RunBody.init)))
        case (.GET, "jobs", 3):
            let limit = try request.limit(default: 100, maximum: 1000)
            let status = query["status"]
            if let status, !["pending", "running", "dead"].contains(status) {
                throw APIError.badRequest("status must be pending, running or dead (got '\(status)')")
            }
            let jobs = try await blocking {
                try store.read { try JobStore.list($0, app: app, status: status, limit: limit) }
            }
            let items = jobs.map { Scheduler.json($0).text }.joined(separator: ",")
            return Self.rawJSON(#"{"app":\#(JSONValue.quoted(app)),"jobs":[\#(items)]}"#)
        case (.POST, "jobs", 5) where segments[4] == "retry":
            let id = try Self.jobID(segments[3])
            let scheduler = services.scheduler
            let job = try await blocking { try scheduler.retry(app: app, id: id) }
            guard let job else { throw APIError.notFound("\(app) has no dead job \(id)") }
            return Self.rawJSON(Scheduler.json(job).text)
        case (.DELETE, "jobs", 4):
            let id = try Self.jobID(segments[3])
            let scheduler = services.scheduler
            guard try await blocking({ try scheduler.cancel(app: app, id: id) }) else {
                throw APIError.notFound("\(app) has no pending or dead job \(id) (a running job cannot be cancelled)")
            }
            return .json(["cancelled": id])
        default:
            throw APIError.methodNotAllowed(request.method)
        }
    }

    private static func jobID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else { throw APIError.badRequest("'\(text)' is not a job id") }
        return id
    }

    static func rawJSON(_ text: String, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-store")
        return Response(status: status, headers: headers, body: ByteBuffer(string: text))
    }
}

import FaztAPI
import Foundation
import NIOHTTP1

/// `POST /apps/{name}/run`: runs a cron job or job file of the live version now (`fazt run`).
extension ControlAPI {
    /// The route, or nil when the path is not this one.
    func manualRunRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count == 3, segments[0] == "apps", segments[2] == "run" else { return nil }
        guard request.method == .POST else { throw APIError.methodNotAllowed(request.method) }
        let app = try await blocking { [vfs = services.vfs] in try vfs.info(app: segments[1]).name }
        let body = try request.decodeJSON(RunJobRequest.self)
        let target = body.job.trimmingCharacters(in: .whitespaces)
        guard !target.isEmpty else {
            throw APIError.badRequest(#"name the job to run: {"job": "NAME"} (a schedule name or a job file)"#)
        }
        return .json(try await ManualRun.run(app: app, target: target, services: services))
    }
}

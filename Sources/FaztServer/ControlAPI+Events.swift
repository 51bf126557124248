import FaztAPI
import FaztScheduler
import FaztStorage
import FaztVFS
import NIOHTTP1

/// `/apps/{name}/events` (persisted events the app can see) and `/apps/{name}/grants`.
extension ControlAPI {
    func eventsRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count == 3, segments[0] == "apps", segments[2] == "events" || segments[2] == "grants" else {
            return nil
        }
        let app = try await blocking { [vfs = services.vfs] in try vfs.info(app: segments[1]).name }
        let bus = services.events
        let query = request.query
        switch (request.method, segments[2]) {
        case (.GET, "events"):
            let limit = try request.limit(default: 100, maximum: 1000)
            let since = query["since"].flatMap { Int64($0) } ?? 0
            let pattern: EventPattern?
            do {
                pattern = try query["type"].map { text throws(EventError) in try EventPattern(text, app: app) }
            } catch {
                throw APIError.badRequest(error.message)
            }
            let store = services.store
            let events = try await blocking {
                try store.read { try EventBus.query($0, app: app, pattern: pattern, since: since, limit: limit) }
            }
            return Self.rawJSON(
                #"{"app":\#(JSONValue.quoted(app)),"events":[\#(events.map(\.json).joined(separator: ","))]}"#
            )
        case (.GET, "grants"):
            return .json(GrantList(app: app, grants: try await blocking { try bus.grants(app: app) }))
        case (.POST, "grants"), (.DELETE, "grants"):
            let permission: String
            if request.method == .POST {
                permission = try request.decodeJSON(GrantBody.self).permission
            } else {
                guard let value = query["permission"] else { throw APIError.badRequest("give ?permission=...") }
                permission = value
            }
            let revoke = request.method == .DELETE
            let changed: Bool
            do {
                changed = try await blocking { try bus.grant(app: app, permission: permission, revoke: revoke) }
            } catch let error as EventError {
                throw APIError.badRequest(error.message)
            }
            if revoke && !changed { throw APIError.notFound("\(app) has no grant \(permission)") }
            return .json(GrantList(app: app, grants: try await blocking { try bus.grants(app: app) }))
        default:
            throw APIError.methodNotAllowed(request.method)
        }
    }
}

/// `POST /apps/{name}/grants`.
struct GrantBody: Codable, Sendable {
    var permission: String
}

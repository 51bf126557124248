import FaztAPI
import FaztVFS
import Foundation

/// `GET /apps/{name}/tags`, `PUT|DELETE /apps/{name}/tags/{tag}`: named versions (`fazt tag`),
/// kept by retention however old and seen by git clients as `refs/tags/<tag>`.
extension ControlAPI {
    /// The route, or nil when the path is not this one.
    func tagsRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count >= 3, segments.count <= 4, segments[0] == "apps", segments[2] == "tags" else {
            return nil
        }
        let vfs = services.vfs
        let app = segments[1]
        switch (request.method, segments.count) {
        case (.GET, 3):
            let tags = try await blocking { try vfs.tags(app: app) }
            return .json(TagList(app: app.lowercased(), tags: tags.map(TagBody.init)))
        case (.PUT, 4):
            let body = try request.decodeJSON(TagRequest.self)
            guard body.version > 0 else {
                throw APIError.badRequest("version must be a version number (see 'fazt versions \(app)')")
            }
            let tag = try await blocking { try vfs.tag(app: app, name: segments[3], version: body.version) }
            return .json(TagBody(tag))
        case (.DELETE, 4):
            try await blocking { try vfs.untag(app: app, name: segments[3]) }
            return .json(["deleted": segments[3]])
        default:
            throw APIError.methodNotAllowed(request.method)
        }
    }
}

extension TagBody {
    init(_ tag: VersionTag) {
        self.init(name: tag.name, version: tag.version, commit: tag.commit)
    }
}

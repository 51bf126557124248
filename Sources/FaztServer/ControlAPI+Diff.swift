import FaztAPI
import FaztVFS
import Foundation

/// `GET /apps/{name}/versions/{a}...{b}/diff`: what changed between two versions (`fazt diff`).
extension ControlAPI {
    /// The route, or nil when the path is not this one.
    func diffRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count == 5, segments[0] == "apps", segments[2] == "versions", segments[4] == "diff" else {
            return nil
        }
        guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
        let (from, to) = try Self.versionRange(segments[3])
        let vfs = services.vfs
        // Reading blobs and diffing them blocks: the thread pool, never the event loop.
        let diff = try await blocking { try vfs.diff(app: segments[1], from: from, to: to) }
        return .json(VersionDiffBody(diff))
    }

    /// `3...5`, `live...7`: two versions joined by three dots.
    static func versionRange(_ text: String) throws -> (VersionReference, VersionReference) {
        let sides = text.components(separatedBy: "...")
        guard sides.count == 2, let from = VersionReference(sides[0]), let to = VersionReference(sides[1]) else {
            throw APIError.badRequest(
                "malformed version range '\(text)': name two versions joined by three dots, "
                    + "as in /versions/3...5/diff (a version is a number or 'live')"
            )
        }
        return (from, to)
    }
}

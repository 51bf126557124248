import FaztAPI
import FaztStore
import FaztVFS
import Foundation

/// `GET /apps/{name}/versions/{n}/preview?ttl=SECONDS`: a signed link to a version's preview.
extension ControlAPI {
    /// The route, or nil when the path is not this one.
    func previewRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count == 5, segments[0] == "apps", segments[2] == "versions", segments[4] == "preview" else {
            return nil
        }
        guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
        guard let version = Int(segments[3]), version > 0 else {
            throw APIError.badRequest("'\(segments[3])' is not a version number (see 'fazt versions \(segments[1])')")
        }
        var ttl = PreviewLink.defaultTTL
        if let text = request.query["ttl"] {
            guard let value = Int(text), value > 0, value <= PreviewLink.maxTTL else {
                throw APIError.badRequest("ttl must be a number of seconds from 1 to \(PreviewLink.maxTTL) (30 days)")
            }
            ttl = value
        }
        let vfs = services.vfs
        let app = try await blocking { () throws -> String in
            let versions = try vfs.versions(app: segments[1])
            let app = segments[1].lowercased()
            guard versions.contains(where: { $0.version == version }) else {
                throw APIError.notFound("\(app) has no version \(version) (see 'fazt versions \(app)')")
            }
            return app
        }
        let expiresAt = Int64(Date().timeIntervalSince1970) + Int64(ttl)
        let url = services.previewURL(app: app, version: version, expiresAt: expiresAt)
        return .json(PreviewLinkBody(app: app, version: version, url: url, expiresAt: expiresAt * 1000))
    }

    /// Deletes the logs and recorded runs of `app`'s previews (namespaces `<app>--v<N>`); on app delete.
    static func deletePreviewRecords(_ connection: Connection, app: String) throws {
        // App names hold only `a-z`, `0-9` and `-`: nothing in `app` is a GLOB wildcard.
        let digitsFrom = app.utf8.count + 4
        for table in ["logs", "runs"] {
            _ = try connection.run(
                "DELETE FROM \(table) WHERE app GLOB ? AND NOT substr(app, ?) GLOB '*[^0-9]*'",
                [.text(app + "--v[0-9]*"), .int(digitsFrom)]
            )
        }
    }
}

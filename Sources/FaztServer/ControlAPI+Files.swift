import FaztAPI
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// `GET /apps/{name}/files` (the live version's paths) and `GET /apps/{name}/files/{path}` (one
/// file's bytes): what the dashboard's file browser reads (edits go through drafts).
extension ControlAPI {
    struct FileListBody: Encodable {
        struct Entry: Encodable {
            var path: String
            var size: Int
            var mime: String
        }
        var app: String
        var version: Int
        var files: [Entry]
    }

    func filesRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count >= 3, segments[0] == "apps", segments[2] == "files" else { return nil }
        guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
        let vfs = services.vfs
        let app = segments[1]
        guard let snapshot = try await blocking({ try vfs.snapshot(app: app) }) else {
            throw APIError.notFound("no app named \(app) (see 'fazt apps')")
        }
        guard segments.count > 3 else {
            let files = snapshot.files.map {
                FileListBody.Entry(path: $0.key, size: $0.value.size, mime: $0.value.mime)
            }
            return .json(
                FileListBody(app: snapshot.app, version: snapshot.version, files: files.sorted { $0.path < $1.path })
            )
        }
        let path = segments[3...].joined(separator: "/").removingPercentEncoding ?? ""
        guard let entry = snapshot.files[path], let content = try await blocking({ try vfs.blob(entry.hash) }) else {
            throw APIError.notFound("v\(snapshot.version) of \(snapshot.app) has no file '\(path)'")
        }
        var response = Response.text(.ok, "", contentType: entry.mime.isEmpty ? "application/octet-stream" : entry.mime)
        response.body = ByteBuffer(bytes: content.data)
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.add(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        return response
    }
}

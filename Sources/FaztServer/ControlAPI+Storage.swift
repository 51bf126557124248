import FaztStorage
import FaztStore
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// `/apps/{name}/docs[/{collection}]` and `/apps/{name}/blobs[/{path}]`: the owner browses an app's
/// document collections (with the same query language as `fazt.storage.docs.find`) and downloads
/// its blobs (the dashboard's storage browser).
///
/// Like `/sql` and `/kv`, everything reads through a read-only reader connection off the event loop.
extension ControlAPI {
    /// The route, or nil when the path is not one of these.
    func storageRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count >= 3, segments[0] == "apps", segments[2] == "docs" || segments[2] == "blobs" else {
            return nil
        }
        guard request.method == .GET || request.method == .HEAD else { throw APIError.methodNotAllowed(request.method) }
        let app = try await blocking { [vfs = services.vfs] in try vfs.info(app: segments[1]).name }
        switch (segments[2], segments.count) {
        case ("docs", 3):
            return try await collections(app: app)
        case ("docs", 4):
            return try await documents(
                request,
                app: app,
                collection: segments[3].removingPercentEncoding ?? segments[3]
            )
        case ("blobs", 3):
            return try await blobList(request, app: app)
        default:
            guard segments[2] == "blobs" else {
                throw APIError.notFound("no control API route \(request.method) \(request.path)")
            }
            return try await blobDownload(path: try Self.blobPath(request.path), app: app)
        }
    }

    /// `GET /apps/{name}/docs` → `{"app","collections":[{"name","count"}]}`.
    private func collections(app: String) async throws -> Response {
        let store = services.store
        let counted = try await blocking {
            try store.read { connection in
                try connection.query(
                    "SELECT collection, COUNT(*) FROM docs WHERE app = ? GROUP BY collection ORDER BY collection",
                    [.text(app)]
                ) { (name: $0.string(0), count: $0.int(1)) }
            }
        }
        let items = counted.map { #"{"name":\#(JSONValue.quoted($0.name)),"count":\#($0.count)}"# }
        return Self.rawJSON(#"{"app":\#(JSONValue.quoted(app)),"collections":[\#(items.joined(separator: ","))]}"#)
    }

    /// `GET /apps/{name}/docs/{collection}?where={…}&sort=-field&limit&skip` →
    /// `{"app","collection","count","documents":[…]}`, where `count` is every match and `documents`
    /// the requested page.
    private func documents(_ request: APIRequest, app: String, collection: String) async throws -> Response {
        let query = request.query
        let filter: JSONValue
        do {
            filter = try JSONValue.parse(query["where"].flatMap { $0.isEmpty ? nil : $0 } ?? "{}")
        } catch {
            throw APIError.badRequest(#"where must be a JSON query such as {"status": "open"}: \#(error.message)"#)
        }
        var options: [(String, JSONValue)] = [("limit", .number(Double(try request.limit(default: 50, maximum: 500))))]
        if let skip = query["skip"] {
            guard let number = Int(skip), number >= 0 else {
                throw APIError.badRequest("skip must be a whole number ≥ 0 (got '\(skip)')")
            }
            options.append(("skip", .number(Double(number))))
        }
        if let sort = query["sort"], !sort.isEmpty { options.append(("sort", .string(sort))) }
        let findOptions = try FindOptions(.object(options), newestFirst: true)
        let store = services.store
        let (total, found) = try await blocking {
            try store.read { connection in
                let documents = DocumentStore(connection: connection, app: app, now: StorageExecutor.wallClock)
                return (
                    try documents.count(collection, filter),
                    try documents.find(collection, filter, options: findOptions)
                )
            }
        }
        return Self.rawJSON(
            #"{"app":\#(JSONValue.quoted(app)),"collection":\#(JSONValue.quoted(collection)),"count":\#(total),"#
                + #""documents":[\#(found.joined(separator: ","))]}"#
        )
    }

    /// `GET /apps/{name}/blobs?prefix&limit` → `{"app","blobs":[{path,type,size,etag,updatedAt}]}`.
    private func blobList(_ request: APIRequest, app: String) async throws -> Response {
        let limit = try request.limit(default: 100, maximum: StorageLimits.listLimit)
        let prefix = request.query["prefix"] ?? ""
        let store = services.store
        let list = try await blocking {
            try store.read { connection in
                try BlobStore(connection: connection, app: app, now: StorageExecutor.wallClock)
                    .list(prefix: prefix, limit: limit)
            }
        }
        return Self.rawJSON(#"{"app":\#(JSONValue.quoted(app)),"blobs":\#(list)}"#)
    }

    /// `GET /apps/{name}/blobs/{path}`: the blob's bytes as a download.
    ///
    /// The dashboard's origin carries the owner's session, so an app's blob must never render there
    /// as a page: it comes as an attachment, its type not sniffed, in a sandbox with no script.
    private func blobDownload(path: String, app: String) async throws -> Response {
        let store = services.store
        let found = try await blocking {
            try store.read { connection in
                try BlobStore(connection: connection, app: app, now: StorageExecutor.wallClock).get(path)
            }
        }
        guard let (meta, bytes) = found else {
            throw APIError.notFound("no blob \(JSONValue.quoted(path)) in \(app) (see GET /apps/\(app)/blobs)")
        }
        let type = (try? JSONValue.parse(meta))?["type"]?.stringValue ?? "application/octet-stream"
        var headers = Self.downloadHeaders(filename: String(path.split(separator: "/").last ?? "blob"))
        headers.replaceOrAdd(name: "Content-Type", value: type)
        return Response(status: .ok, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    /// Headers of a file the browser saves rather than shows.
    static func downloadHeaders(filename: String) -> HTTPHeaders {
        let safe = String(filename.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" })
        let encoded =
            filename.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", ";"])) ?? safe
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/octet-stream")
        headers.add(
            name: "Content-Disposition",
            value: #"attachment; filename="\#(safe)"; filename*=UTF-8''\#(encoded)"#
        )
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        headers.add(name: "Content-Security-Policy", value: "sandbox; default-src 'none'")
        headers.add(name: "Cache-Control", value: "no-store")
        return headers
    }

    /// The blob path: everything after `/apps/{name}/blobs/`, percent-decoded (paths hold `/`).
    static func blobPath(_ path: String) throws -> String {
        let parts = path.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let slash = parts[3].firstIndex(of: "/") else {
            throw APIError.badRequest("give the blob path: /apps/{name}/blobs/{path}")
        }
        guard let blob = String(parts[3][parts[3].index(after: slash)...]).removingPercentEncoding, !blob.isEmpty else {
            throw APIError.badRequest("the blob path must be non-empty and percent-encoded UTF-8")
        }
        return blob
    }
}

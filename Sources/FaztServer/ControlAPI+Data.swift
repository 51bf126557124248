import FaztStorage
import FaztStore
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// `/apps/{name}/sql` and `/apps/{name}/kv[/{key}]`: the owner reads an app's data (`fazt sql`,
/// `fazt kv`).
///
/// Everything runs on a reader connection (`Store.read`, opened read-only with `query_only`) on the
/// thread pool, never on the writer and never on an event loop; SQL goes through `SQLStore`, so
/// the owner sees exactly the tables the app sees, under the same names, with the same authorizer.
extension ControlAPI {
    /// The route, or nil when the path is not one of these.
    func dataRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count >= 3, segments[0] == "apps", segments[2] == "sql" || segments[2] == "kv" else {
            return nil
        }
        let app = try await blocking { [vfs = services.vfs] in try vfs.info(app: segments[1]).name }
        switch (request.method, segments[2], segments.count) {
        case (.POST, "sql", 3):
            return try await sql(request, app: app)
        case (.GET, "kv", 3):
            return try await kvList(request, app: app)
        case (.GET, "kv", 4...):
            return try await kvGet(key: try Self.kvKey(request.path), app: app)
        case (_, "sql", 3), (_, "kv", 3...):
            throw APIError.methodNotAllowed(request.method)
        default:
            throw APIError.notFound("no control API route \(request.method) \(request.path)")
        }
    }

    /// `POST /apps/{name}/sql` `{"sql","params"}` → `{"app","columns","rows"}`.
    private func sql(_ request: APIRequest, app: String) async throws -> Response {
        guard request.body.readableBytes > 0 else { throw APIError.badRequest(#"send {"sql": "SELECT …"}"#) }
        let body: JSONValue
        do {
            body = try JSONValue.parse(String(buffer: request.body))
        } catch {
            throw APIError.badRequest("invalid JSON body: \(error.message)")
        }
        guard let sql = body["sql"]?.stringValue, !sql.isEmpty else {
            throw APIError.badRequest(#"send {"sql": "SELECT …", "params": [...]} with a non-empty "sql" string"#)
        }
        let parameters = body["params"]
        let store = services.store
        let result = try await blocking {
            try store.read { connection in try SQLStore(connection: connection, app: app).read(sql, parameters) }
        }
        guard let result else {
            throw APIError.badRequest(
                "fazt sql is read-only: only statements that read (SELECT, WITH …) run here; "
                    + "change data from the app's own code"
            )
        }
        let columns = result.columns.map(JSONValue.quoted).joined(separator: ",")
        return Self.rawJSON(#"{"app":\#(JSONValue.quoted(app)),"columns":[\#(columns)],"rows":\#(result.rows)}"#)
    }

    /// `GET /apps/{name}/kv?prefix&limit&cursor` → `{"app","keys":[{"key","value","size","expiresAt"}],"cursor"}`.
    private func kvList(_ request: APIRequest, app: String) async throws -> Response {
        let query = request.query
        let limit = try request.limit(default: 100, maximum: StorageLimits.listLimit)
        let prefix = query["prefix"] ?? ""
        let cursor = query["cursor"].flatMap { $0.isEmpty ? nil : $0 }
        let store = services.store
        let page = try await blocking {
            try store.read { connection in
                try KVStore(connection: connection, app: app, now: StorageExecutor.wallClock)
                    .list(prefix: prefix, limit: limit, after: cursor)
            }
        }
        var out = #"{"app":\#(JSONValue.quoted(app)),"keys":["#
        for (index, item) in page.items.enumerated() {
            if index > 0 { out += "," }
            out += #"{"key":\#(JSONValue.quoted(item.key)),"value":\#(item.json),"size":\#(item.json.utf8.count)"#
            out += #","expiresAt":\#(item.expiresAt.map { String($0) } ?? "null")}"#
        }
        out += #"],"cursor":\#(page.cursor.map(JSONValue.quoted) ?? "null")}"#
        return Self.rawJSON(out)
    }

    /// `GET /apps/{name}/kv/{key}` → `{"app","key","value","expiresAt"}`, 404 when missing or expired.
    private func kvGet(key: String, app: String) async throws -> Response {
        let store = services.store
        let found = try await blocking {
            // The key itself sorts first among the keys it prefixes.
            try store.read { connection in
                try KVStore(connection: connection, app: app, now: StorageExecutor.wallClock)
                    .list(prefix: key, limit: 1, after: nil).items.first { $0.key == key }
            }
        }
        guard let found else {
            throw APIError.notFound("no key \(JSONValue.quoted(key)) in \(app) (see 'fazt kv \(app) list')")
        }
        return Self.rawJSON(
            #"{"app":\#(JSONValue.quoted(app)),"key":\#(JSONValue.quoted(key)),"value":\#(found.json),"#
                + #""expiresAt":\#(found.expiresAt.map { String($0) } ?? "null")}"#
        )
    }

    /// The key: everything after `/apps/{name}/kv/`, percent-decoded (so keys may hold `/`).
    static func kvKey(_ path: String) throws -> String {
        let parts = path.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // "", "apps", name, "kv/<key>"
        guard parts.count == 4, let slash = parts[3].firstIndex(of: "/") else {
            throw APIError.badRequest("give the key: /apps/{name}/kv/{key}")
        }
        let raw = String(parts[3][parts[3].index(after: slash)...])
        guard let key = raw.removingPercentEncoding, !key.isEmpty else {
            throw APIError.badRequest("the key must be non-empty and percent-encoded UTF-8")
        }
        return key
    }
}

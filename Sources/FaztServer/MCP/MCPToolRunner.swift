import FaztAPI
import FaztKernel
import FaztScheduler
import FaztStorage
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// Runs one kernel tool call: checks scope and app, reads the arguments, and does the work through
/// the control API's own routes (so every rule of the control API holds for agents too).
struct MCPToolRunner: Sendable {
    let server: MCPServer
    let arguments: JSONValue

    var services: ServerServices { server.services }
    var token: TokenInfo { server.token }

    func run(_ tool: MCPTool) async throws -> MCPToolResult {
        if let scope = tool.scope, !token.allows(scope, app: nil) {
            throw MCPToolError.missingScope(scope, token: token, tool: tool.name)
        }
        if let app = arguments["app"] {
            guard let name = app.stringValue else { throw MCPToolError("app must be a string (an app name)") }
            do {
                _ = try AppName.validate(name)
            } catch {
                throw MCPToolError(error.message)
            }
            try requireReach(name)
        }
        switch tool.name {
        case "fazt_docs":
            let topic = try optionalString("topic") ?? "all"
            guard let text = MCPDocs.text(topic) else {
                throw MCPToolError("unknown topic '\(topic)'; topics: \(MCPDocs.topics.joined(separator: ", "))")
            }
            return MCPToolResult(value: .object([("topic", .string(topic)), ("text", .string(text))]))
        case "apps_list":
            let list = try await control(.GET, "/apps")
            return MCPToolResult(value: .object([("apps", list["apps"] ?? .array([]))]))
        case "app_status": return try await appStatus()
        case "files_list": return try await filesList()
        case "files_read": return try await filesRead()
        case "versions_list":
            let list = try await control(.GET, "/apps/\(try app())/versions")
            return MCPToolResult(value: .object([("versions", list["versions"] ?? .array([]))]))
        case "diff": return try await diff()
        case "logs_read": return try await logsRead()
        case "runs_list": return try await runsList()
        case "storage_query":
            var body: [(String, JSONValue)] = [("sql", .string(try string("sql")))]
            if let params = arguments["params"] { body.append(("params", params)) }
            let result = try await control(.POST, "/apps/\(try app())/sql", body: .object(body))
            return MCPToolResult(
                value: .object([("columns", result["columns"] ?? .array([])), ("rows", result["rows"] ?? .array([]))])
            )
        case "app_create": return try await appCreate()
        case "files_write": return try await filesWrite()
        case "files_delete": return try await filesDelete()
        case "commit": return try await commit()
        case "preview_request": return try await previewRequest()
        case "deploy": return try await deploy()
        case "rollback": return try await rollback()
        case "data_snapshot": return try await dataSnapshot()
        case "data_restore": return try await dataRestore()
        default: throw MCPToolError("unknown tool \(tool.name)")
        }
    }

    // MARK: Arguments

    func requireReach(_ app: String) throws {
        guard token.reaches(app: app) else {
            throw MCPToolError(
                "token '\(token.name)' does not reach app '\(app.lowercased())'; use a token made with --app \(app.lowercased())",
                audit: "denied: app \(app.lowercased())"
            )
        }
    }

    /// Throws unless the token has `scope` (checked per call for steps beyond the tool's own scope).
    func require(_ scope: TokenScope, tool: String) throws {
        guard token.allows(scope, app: nil) else { throw MCPToolError.missingScope(scope, token: token, tool: tool) }
    }

    func app() throws -> String { try string("app").lowercased() }

    func string(_ name: String) throws -> String {
        guard let value = try optionalString(name) else { throw MCPToolError("missing argument '\(name)' (a string)") }
        return value
    }

    func optionalString(_ name: String) throws -> String? {
        guard let value = arguments[name], value != .null else { return nil }
        guard let text = value.stringValue else { throw MCPToolError("argument '\(name)' must be a string") }
        return text
    }

    func int(_ name: String) throws -> Int {
        guard let value = try optionalInt(name) else {
            throw MCPToolError("missing argument '\(name)' (a whole number)")
        }
        return value
    }

    func optionalInt(_ name: String) throws -> Int? {
        guard let value = arguments[name], value != .null else { return nil }
        if let number = value.intValue { return number }
        // Agents often send numbers as text ("3", "v3").
        if let text = value.stringValue, let number = Int(text.hasPrefix("v") ? String(text.dropFirst()) : text) {
            return number
        }
        throw MCPToolError("argument '\(name)' must be a whole number")
    }

    func optionalBool(_ name: String) throws -> Bool? {
        guard let value = arguments[name], value != .null else { return nil }
        guard let flag = value.boolValue else { throw MCPToolError("argument '\(name)' must be true or false") }
        return flag
    }

    // MARK: The control API

    /// Calls a control API route as this token (or as `identity`), answering its JSON; an error
    /// answer becomes the tool's error, in the control API's words.
    func control(
        _ method: HTTPMethod,
        _ path: String,
        query: String? = nil,
        body: JSONValue? = nil,
        raw: [UInt8]? = nil,
        as identity: TokenInfo? = nil
    ) async throws -> JSONValue {
        let response = try await controlResponse(method, path, query: query, body: body, raw: raw, as: identity)
        guard response.status.code < 400 else { throw MCPToolError(MCPServer.message(from: response)) }
        guard let buffer = response.body, buffer.readableBytes > 0 else { return .object([]) }
        do {
            return try JSONValue.decode(Array(buffer.readableBytesView))
        } catch {
            return .object([("text", .string(String(buffer: buffer)))])
        }
    }

    func controlResponse(
        _ method: HTTPMethod,
        _ path: String,
        query: String? = nil,
        body: JSONValue? = nil,
        raw: [UInt8]? = nil,
        as identity: TokenInfo? = nil
    ) async throws -> Response {
        try Task.checkCancellation()
        var buffer = ByteBuffer()
        if let raw { buffer.writeBytes(raw) } else if let body { buffer.writeString(body.text) }
        let uri = "/_fazt/api/v1" + path + (query.map { "?" + $0 } ?? "")
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "Content-Type", value: "application/json")
        let request = APIRequest(
            head: head,
            path: path,
            body: buffer,
            upload: nil,
            token: identity ?? token,
            viaMCP: true
        )
        return await services.api.handle(request)
    }

    /// A path segment, percent-encoded.
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A file path, each segment percent-encoded.
    static func pathSegments(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment(String($0)) }.joined(separator: "/")
    }

    static func encoded(_ value: some Encodable) -> JSONValue {
        guard let data = try? JSONCoding.encoder.encode(value), let parsed = try? JSONValue.decode(Array(data)) else {
            return .null
        }
        return parsed
    }

    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await services.threadPool.runIfActive(body)
    }
}

import FaztAPI
import FaztKernel
import FaztStorage
import Foundation
import NIOCore
import NIOHTTP1

/// The JSON-RPC dispatcher behind `POST /_fazt/mcp`: one instance per HTTP request, so nothing a
/// request carries (its id, its token) can ever reach another request's answer.
struct MCPServer: Sendable {
    let services: ServerServices
    let token: TokenInfo
    /// The bearer token itself (a preview request presents it, as the agent would).
    let secret: String
    /// Sends a request through the server's own routing (`preview_request`).
    let dispatch: @Sendable (HTTPRequestHead, ByteBuffer) async -> Response
    /// Where a tool reports its steps (step, total, what): set when the client asked for progress
    /// (`_meta.progressToken`) and the answer is an SSE stream.
    var progress: (@Sendable (Int, Int, String) -> Void)?

    init(
        services: ServerServices,
        token: TokenInfo,
        secret: String,
        dispatch: @escaping @Sendable (HTTPRequestHead, ByteBuffer) async -> Response
    ) {
        self.services = services
        self.token = token
        self.secret = secret
        self.dispatch = dispatch
    }

    /// Tools that report progress (only their calls, with a progress token, are answered as SSE).
    static let progressTools: Set<String> = ["preview_request"]

    /// The progress token of a call to a progress-reporting tool that passes the era's checks, or nil.
    static func progressToken(head: HTTPRequestHead, body: ByteBuffer) -> JSONValue? {
        guard body.readableBytesView.firstRange(of: Array("progressToken".utf8)) != nil,
            let value = try? JSONValue.decode(Array(body.readableBytesView)),
            let message = try? MCPMessage(value), message.method == "tools/call", !message.isNotification,
            let name = message.params?["name"]?.stringValue, progressTools.contains(name),
            let token = message.meta?["progressToken"], (try? era(of: message, headers: head.headers)) != nil
        else { return nil }
        switch token {
        case .string, .number: return token
        default: return nil
        }
    }

    static let serverName = "fazt"
    static let serverVersion = "1.0.0"
    static let instructions =
        "Fazt hosts this owner's apps. Loop: files_write to a draft → commit (a version, not live) → "
        + "preview_request → deploy → logs_read/runs_list → rollback if needed. Every version is kept. "
        + "Call fazt_docs first."

    /// Answers one POSTed message: JSON, or 202 for notifications and responses; `Server-Timing`
    /// says how long the server took (`mcp;dur=` in ms), for clients and the benchmark.
    func handle(head: HTTPRequestHead, body: ByteBuffer) async -> Response {
        await Self.serve(head: head, body: body, services: services) { message, era in
            try await dispatch(message, era: era)
        }
    }

    /// The JSON-RPC envelope shared by the kernel endpoint and apps' own (`/_mcp`): reads the
    /// message, picks the era, and wraps what `dispatch` answers (or throws) in a response.
    static func serve(
        head: HTTPRequestHead,
        body: ByteBuffer,
        services: ServerServices,
        dispatch: (MCPMessage, MCPEra) async throws -> String
    ) async -> Response {
        let started = ContinuousClock.now
        var response = await respond(head: head, body: body, services: services, dispatch: dispatch)
        let elapsed = ContinuousClock.now - started
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        response.headers.add(name: "Server-Timing", value: "mcp;dur=\(Double(micros) / 1000)")
        return response
    }

    private static func respond(
        head: HTTPRequestHead,
        body: ByteBuffer,
        services: ServerServices,
        dispatch: (MCPMessage, MCPEra) async throws -> String
    ) async -> Response {
        let value: JSONValue
        do {
            value = try JSONValue.decode(Array(body.readableBytesView))
        } catch {
            return Self.errorResponse(id: nil, MCPError(MCPError.parseError, "Parse error: \(error)"), era: nil)
        }
        let message: MCPMessage
        do {
            message = try MCPMessage(value)
        } catch {
            return Self.errorResponse(id: value["id"], error, era: nil)
        }
        if message.isResponse || message.isNotification {
            return Response(status: .accepted)
        }
        let era: MCPEra
        do {
            era = try Self.era(of: message, headers: head.headers)
        } catch {
            return Self.errorResponse(id: message.id, error, era: .modern(version: MCPEra.modernVersions[0]))
        }
        do {
            let result = try await dispatch(message, era)
            return Self.jsonResponse(#"{"jsonrpc":"2.0","id":\#((message.id ?? .null).text),"result":\#(result)}"#)
        } catch let error as MCPError {
            return Self.errorResponse(id: message.id, error, era: era)
        } catch {
            services.logger.error("MCP request failed", metadata: ["error": "\(error)"])
            return Self.errorResponse(id: message.id, MCPError(MCPError.internalError, "internal error"), era: era)
        }
    }

    /// Which era a request belongs to, after the checks that era makes on its headers.
    static func era(of message: MCPMessage, headers: HTTPHeaders) throws(MCPError) -> MCPEra {
        let header = headers.first(name: "MCP-Protocol-Version")
        if message.method == "initialize" { return .legacy(version: header ?? MCPEra.defaultLegacyVersion) }
        let meta = message.meta
        let modern =
            meta?[MCPEra.protocolVersionKey] != nil || meta?[MCPEra.clientCapabilitiesKey] != nil
            || header.map { MCPEra.modernVersions.contains($0) } == true
        guard modern else {
            let version = header ?? MCPEra.defaultLegacyVersion
            guard MCPEra.legacyVersions.contains(version) else {
                throw MCPError(
                    MCPError.invalidRequest,
                    "Bad Request: unsupported MCP-Protocol-Version '\(version)'; this server speaks "
                        + MCPEra.allVersions.joined(separator: ", "),
                    status: .badRequest
                )
            }
            return .legacy(version: version)
        }
        // The 2026-07-28 ladder: the envelope, then headers against the body, then the version.
        guard let meta, case .object = meta else {
            throw MCPError(
                MCPError.invalidParams,
                "params._meta must be an object carrying the protocol version "
                    + "and client capabilities",
                status: .badRequest
            )
        }
        let missing = [MCPEra.protocolVersionKey, MCPEra.clientCapabilitiesKey].filter { meta[$0] == nil }
        guard missing.isEmpty else {
            throw MCPError(
                MCPError.invalidParams,
                "params._meta is missing \(missing.joined(separator: ", "))",
                status: .badRequest
            )
        }
        let requested = meta[MCPEra.protocolVersionKey]
        guard let header, header == requested?.stringValue else {
            throw MCPError(
                MCPError.headerMismatch,
                "HeaderMismatch: the MCP-Protocol-Version header must equal _meta's protocol version",
                status: .badRequest
            )
        }
        guard headers.first(name: "Mcp-Method") == message.method else {
            throw MCPError(
                MCPError.headerMismatch,
                "HeaderMismatch: the Mcp-Method header must equal the body's method",
                status: .badRequest
            )
        }
        if message.method == "tools/call", let name = message.params?["name"]?.stringValue {
            guard decodeHeader(headers.first(name: "Mcp-Name")) == name else {
                throw MCPError(
                    MCPError.headerMismatch,
                    "HeaderMismatch: the Mcp-Name header must equal the tool name",
                    status: .badRequest
                )
            }
        }
        guard MCPEra.modernVersions.contains(header) else {
            throw MCPError.unsupported(requested, versions: MCPEra.allVersions)
        }
        return .modern(version: header)
    }

    /// An `Mcp-Name` value: as is, or the UTF-8 inside `=?base64?…?=`.
    static func decodeHeader(_ value: String?) -> String? {
        guard let value, value.hasPrefix("=?base64?"), value.hasSuffix("?=") else { return value }
        let payload = value.dropFirst(9).dropLast(2)
        guard let data = Data(base64Encoded: String(payload)) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// The result of `message` as JSON text.
    private func dispatch(_ message: MCPMessage, era: MCPEra) async throws -> String {
        let modern = era.isModern
        let handshake = MCPHandshake(
            info: .object([("name", .string(Self.serverName)), ("version", .string(Self.serverVersion))]),
            instructions: Self.instructions,
            discoverTTLMs: 3_600_000,
            discoverCacheScope: "public"
        )
        if let answer = handshake.answer(message, era: era) { return answer }
        switch message.method {
        case "tools/list":
            let tools = MCPToolCatalog.listJSON(for: token)
            return modern
                ? #"{"tools":\#(tools),"resultType":"complete","ttlMs":60000,"cacheScope":"private"}"#
                : #"{"tools":\#(tools)}"#
        case "tools/call":
            guard let name = message.params?["name"]?.stringValue else {
                throw MCPError(MCPError.invalidParams, #"tools/call needs params.name, the tool's name"#)
            }
            guard let tool = MCPToolCatalog.byName[name] else {
                throw MCPError(
                    MCPError.invalidParams,
                    "Unknown tool: \(name) (tools/list names the tools this token may use)"
                )
            }
            let arguments = message.params?["arguments"] ?? .object([])
            guard case .object = arguments else {
                throw MCPError(MCPError.invalidParams, "params.arguments must be an object")
            }
            let result = await call(tool, arguments: arguments)
            return modern ? String(result.dropLast()) + #","resultType":"complete"}"# : result
        default:
            throw MCPError(
                MCPError.methodNotFound,
                "Method not found: \(message.method ?? "") (this server answers "
                    + (modern
                        ? "server/discover, tools/list, tools/call)" : "initialize, ping, tools/list, tools/call)")
            )
        }
    }

    /// Runs a tool and writes its audit row; the answer is a `CallToolResult` as JSON text.
    func call(_ tool: MCPTool, arguments: JSONValue) async -> String {
        let started = ContinuousClock.now
        let outcome: MCPToolOutcome
        do {
            try Task.checkCancellation()
            outcome = .success(try await MCPToolRunner(server: self, arguments: arguments).run(tool))
        } catch let error as MCPToolError {
            outcome = .failure(error)
        } catch is CancellationError {
            outcome = .failure(MCPToolError("cancelled: the client went away", audit: "cancelled"))
        } catch {
            let mapped = ErrorMapping.response(for: error)
            outcome = .failure(MCPToolError(Self.message(from: mapped)))
        }
        let elapsed = ContinuousClock.now - started
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let argumentsText = arguments.text
        try? await services.audit.record(
            token: token.name,
            action: "mcp:" + tool.name,
            app: arguments["app"]?.stringValue ?? arguments["name"]?.stringValue,
            argsHash: AuditLog.hash(Array(argumentsText.utf8)),
            outcome: outcome.audit,
            durationMs: ms
        )
        return outcome.resultJSON
    }

    /// The message of a control API error response (`{"error":{"message"}}`), or its status.
    static func message(from response: Response) -> String {
        if let body = response.body, let value = try? JSONValue.decode(Array(body.readableBytesView)),
            let message = value["error"]?["message"]?.stringValue ?? value["error"]?.stringValue
        {
            return message
        }
        return "HTTP \(response.status.code)"
    }

    static func jsonResponse(_ text: String, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-store")
        return Response(status: status, headers: headers, body: ByteBuffer(string: text))
    }

    static func errorResponse(id: JSONValue?, _ error: MCPError, era: MCPEra?) -> Response {
        var members: [(String, JSONValue)] = [
            ("code", .number(Double(error.code))), ("message", .string(error.message)),
        ]
        if let data = error.data { members.append(("data", data)) }
        let body = JSONValue.object([("jsonrpc", .string("2.0")), ("id", id ?? .null), ("error", .object(members))])
        return jsonResponse(body.text, status: error.status(in: era))
    }
}

/// A tool failure the agent can act on: becomes an `isError` result.
struct MCPToolError: Error, Sendable {
    var message: String
    /// What the audit row says (`error: …` by default).
    var audit: String

    init(_ message: String, audit: String? = nil) {
        self.message = message
        self.audit = audit ?? "error: " + message
    }

    /// A missing scope, named so the agent (and the human) knows what to ask for.
    static func missingScope(_ scope: TokenScope, token: TokenInfo, tool: String) -> MCPToolError {
        MCPToolError(
            "\(tool) needs the scope \(scope.rawValue), which token '\(token.name)' lacks "
                + "(fazt token create --scope \(scope.rawValue), or a preset that includes it)",
            audit: "denied: missing scope \(scope.rawValue)"
        )
    }
}

/// How a tool call ended.
enum MCPToolOutcome {
    case success(MCPToolResult)
    case failure(MCPToolError)

    var audit: String {
        switch self {
        case .success(let result): result.audit
        case .failure(let error): error.audit
        }
    }

    var resultJSON: String {
        switch self {
        case .success(let result):
            let text = result.value.text
            return JSONValue.object([
                ("content", .array([.object([("type", .string("text")), ("text", .string(text))])])),
                ("structuredContent", result.value),
                ("isError", .bool(false)),
            ]).text
        case .failure(let error):
            return JSONValue.object([
                ("content", .array([.object([("type", .string("text")), ("text", .string(error.message))])])),
                ("isError", .bool(true)),
            ]).text
        }
    }
}

/// What a tool answered: structured content (an object) and what its audit row says.
struct MCPToolResult: Sendable {
    var value: JSONValue
    var audit = "ok"
}

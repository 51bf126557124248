import FaztAPI
import FaztKernel
import FaztRuntime
import FaztStorage
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// An app's own MCP server at `http://<app>.<domain>/_mcp`: the tools its live version's
/// `fazt.json` declares, each run as an ordinary invocation of its handler file.
struct AppMCPServer: Sendable {
    let services: ServerServices
    let app: ServedApp
    let manifest: AppMCPManifest
    /// The verified bearer token, if one was sent.
    let token: TokenInfo?
    let clientIP: String

    var name: String { app.snapshot.app }

    func handle(head: HTTPRequestHead, body: ByteBuffer) async -> Response {
        await MCPServer.serve(head: head, body: body, services: services) { message, era in
            try await dispatch(message, era: era)
        }
    }

    /// Whether the caller may call `tool` (public tools: anyone; token tools: app-tools:call here).
    func mayCall(_ tool: AppMCPManifest.Tool) -> Bool {
        tool.auth == .public || token?.allows(.appToolsCall, app: name) == true
    }

    private func dispatch(_ message: MCPMessage, era: MCPEra) async throws -> String {
        let modern = era.isModern
        let handshake = MCPHandshake(
            info: .object([("name", .string(name)), ("version", .string(String(app.snapshot.version)))]),
            instructions: manifest.instructions ?? "Tools of the app \(name).",
            discoverTTLMs: 60_000,
            discoverCacheScope: "private"
        )
        if let answer = handshake.answer(message, era: era) { return answer }
        switch message.method {
        case "tools/list":
            let tools = manifest.tools.filter(mayCall).map(Self.listing)
            let list = JSONValue.array(tools).text
            // The set follows the live version: clients re-list after ttlMs.
            return modern
                ? #"{"tools":\#(list),"resultType":"complete","ttlMs":60000,"cacheScope":"private"}"#
                : #"{"tools":\#(list)}"#
        case "tools/call":
            guard let toolName = message.params?["name"]?.stringValue else {
                throw MCPError(MCPError.invalidParams, "tools/call needs params.name, the tool's name")
            }
            guard let tool = manifest.tools.first(where: { $0.name == toolName }) else {
                throw MCPError(MCPError.invalidParams, "Unknown tool: \(toolName) (see tools/list)")
            }
            let arguments = message.params?["arguments"] ?? .object([])
            let outcome = await call(tool, arguments: arguments)
            let result = outcome.resultJSON
            return modern ? String(result.dropLast()) + #","resultType":"complete"}"# : result
        default:
            throw MCPError(MCPError.methodNotFound, "Method not found: \(message.method ?? "")")
        }
    }

    static func listing(_ tool: AppMCPManifest.Tool) -> JSONValue {
        var members: [(String, JSONValue)] = [("name", .string(tool.name))]
        if let title = tool.title { members.append(("title", .string(title))) }
        members.append(("description", .string(tool.description)))
        members.append(("inputSchema", tool.inputSchema))
        if let output = tool.outputSchema { members.append(("outputSchema", output)) }
        if let annotations = tool.annotations { members.append(("annotations", annotations)) }
        return .object(members)
    }

    /// Auth, rate limit, argument check, then the handler.
    func call(_ tool: AppMCPManifest.Tool, arguments: JSONValue) async -> MCPToolOutcome {
        guard mayCall(tool) else {
            let who = token.map { "token '\($0.name)'" } ?? "this request (no token)"
            return .failure(
                MCPToolError(
                    "\(tool.name) needs a token with the scope app-tools:call for app \(name); \(who) has none"
                )
            )
        }
        if tool.auth == .public, let wait = services.appToolLimits.take("\(name)\u{0}\(clientIP)") {
            return .failure(MCPToolError("rate limited: too many calls from this address; retry in \(wait) s"))
        }
        let problems = JSONSchemaCheck.problems(arguments, against: tool.inputSchema)
        guard problems.isEmpty else {
            return .failure(MCPToolError("invalid arguments: " + problems.prefix(10).joined(separator: "; ")))
        }
        let context = JSONValue.object([
            ("tool", .string(tool.name)), ("app", .string(name)), ("version", .number(Double(app.snapshot.version))),
        ])
        let request = #"{"__fazt":"mcp","state":\#(arguments.text),"job":\#(context.text)}"#
        let serverLimit = services.configuration.invocationTimeoutMs
        let timeout = app.snapshot.manifest.timeoutMs.map { min($0, serverLimit) } ?? serverLimit
        let started = StorageExecutor.wallClock()
        let result = await withCheckedContinuation { continuation in
            services.supervisor.invoke(
                app: name,
                version: app.snapshot.version,
                file: tool.handler,
                requestJSON: request,
                timeoutMs: timeout,
                memoryLimit: app.snapshot.manifest.memoryMB.map { $0 << 20 }
            ) { continuation.resume(returning: $0) }
        }
        switch result {
        case .response(let response):
            let value: JSONValue
            if response.body.isEmpty {
                value = .null
            } else if let parsed = try? JSONValue.decode(response.body) {
                value = parsed
            } else {
                value = .string(String(decoding: response.body, as: UTF8.self))
            }
            // structuredContent is an object: other values are wrapped.
            if case .object = value { return .success(MCPToolResult(value: value)) }
            return .success(MCPToolResult(value: .object([("result", value)])))
        case .failure(let failure):
            let duration = StorageExecutor.wallClock() - started
            let run = await withCheckedContinuation { continuation in
                services.failures.record(
                    app: name,
                    file: tool.handler,
                    failure: failure,
                    startedAt: started,
                    durationMs: duration
                ) { continuation.resume(returning: $0) }
            }
            let location = failure.location.map { " (\($0))" } ?? ""
            let runText = run.map { "; run \($0)" } ?? ""
            return .failure(MCPToolError("\(tool.name) failed: \(failure.message)\(location)\(runText)"))
        }
    }
}

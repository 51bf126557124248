import FaztTestSupport
import Foundation

/// A raw MCP client for the tests: one POST to `/_fazt/mcp` per message, every byte under control.
struct MCPClient {
    let server: ServerProcess
    let token: String?

    static let modern = "2026-07-28"

    /// POSTs `body` with the token and `headers`.
    func post(_ body: String, headers: [(String, String)] = []) throws -> TestResponse {
        var all = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
        if let token { all.append(("Authorization", "Bearer \(token)")) }
        return try TestHTTP.request(
            port: server.port,
            "POST",
            "/_fazt/mcp",
            host: "localhost:\(server.port)",
            headers: all + headers,
            body: Array(body.utf8)
        )
    }

    /// A request as JSON text (id 1 unless given).
    static func message(_ method: String, _ params: [String: Any]? = nil, id: Int = 1) -> String {
        var object: [String: Any] = ["jsonrpc": "2.0", "id": id, "method": method]
        if let params { object["params"] = params }
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }

    /// `_meta` of a 2026-07-28 request.
    static var meta: [String: Any] {
        [
            "io.modelcontextprotocol/protocolVersion": modern,
            "io.modelcontextprotocol/clientCapabilities": [String: Any](),
            "io.modelcontextprotocol/clientInfo": ["name": "test", "version": "1"],
        ]
    }

    /// A 2026-07-28 request with matching headers.
    func modern(_ method: String, _ params: [String: Any] = [:], name: String? = nil) throws -> TestResponse {
        var params = params
        params["_meta"] = Self.meta
        var headers = [("MCP-Protocol-Version", Self.modern), ("Mcp-Method", method)]
        if let name { headers.append(("Mcp-Name", name)) }
        return try post(Self.message(method, params), headers: headers)
    }

    /// Calls a tool (initialize era) and returns (isError, structuredContent, text).
    func call(_ tool: String, _ arguments: [String: Any] = [:]) throws -> MCPCallResult {
        let response = try post(Self.message("tools/call", ["name": tool, "arguments": arguments]))
        guard response.status == 200, let result = response.json["result"] as? [String: Any] else {
            throw TestError("tools/call \(tool): HTTP \(response.status) \(response.text)")
        }
        let content = (result["content"] as? [[String: Any]])?.first?["text"] as? String ?? ""
        return MCPCallResult(
            isError: result["isError"] as? Bool ?? false,
            structured: result["structuredContent"] as? [String: Any] ?? [:],
            text: content
        )
    }

    /// The names `tools/list` shows this token.
    func toolNames() throws -> [String] {
        let response = try post(Self.message("tools/list"))
        let tools = (response.json["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []
        return tools.compactMap { $0["name"] as? String }
    }
}

struct MCPCallResult {
    var isError: Bool
    var structured: [String: Any]
    var text: String
}

extension ServerProcess {
    /// Creates a scoped token with the CLI against the server's database.
    func scopedToken(_ arguments: [String]) throws -> String {
        let (status, out, err) = try ServerProcess.runCLI(
            ["token", "create", "--data", dataPath, "--url", "http://127.0.0.1:\(port)"] + arguments
        )
        guard status == 0 else { throw TestError("token create failed: \(err)") }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

import FaztTestSupport
import Foundation
import Testing

/// Apps as MCP servers: `"mcp"` in fazt.json serves the live version's tools at `/_mcp`.
@Suite struct AppMCPTests {
    static func manifest(_ tools: String) -> String {
        #"{"limits": {"timeoutMs": 1500}, "mcp": {"instructions": "Todo list", "tools": {\#(tools)}}}"#
    }

    static let addTodo = #"""
        "add_todo": {"handler": "mcp/add_todo.js", "description": "Add a todo",
          "inputSchema": {"type": "object", "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 20},
            "priority": {"type": "string", "enum": ["low", "high"]}, "count": {"type": "integer", "minimum": 1, "maximum": 5}},
            "required": ["text"], "additionalProperties": false},
          "outputSchema": {"type": "object", "properties": {"id": {"type": "number"}}},
          "annotations": {"readOnlyHint": false, "destructiveHint": false}, "auth": "token"}
        """#
    static let others = #"""
        "count": {"handler": "mcp/count.js", "description": "How many todos", "auth": "public"},
        "spin": {"handler": "mcp/spin.js", "description": "Never ends"},
        "boom": {"handler": "mcp/boom.js", "description": "Throws"}
        """#

    static func site(_ manifest: String) -> [ArchiveFixtures.Entry] {
        [
            ArchiveFixtures.file("index.html", "<h1>todo</h1>"),
            ArchiveFixtures.file("fazt.json", manifest),
            ArchiveFixtures.file(
                "mcp/add_todo.js",
                """
                module.exports = async (args, ctx) => {
                  const id = fazt.storage.kv.incr("todos");
                  console.log("added " + args.text + " via " + ctx.tool);
                  return { id, text: args.text };
                };
                """
            ),
            ArchiveFixtures.file("mcp/add_item.js", "module.exports = async (args) => ({ item: args.name });"),
            ArchiveFixtures.file("mcp/count.js", #"module.exports = async () => fazt.storage.kv.get("todos") || 0;"#),
            ArchiveFixtures.file("mcp/spin.js", "module.exports = async () => { while (true) {} };"),
            ArchiveFixtures.file("mcp/boom.js", #"module.exports = async () => { throw new Error("kaput"); };"#),
        ]
    }

    static func client(_ server: ServerProcess, token: String?) -> (String, [(String, String)]) -> TestResponse? {
        { body, extra in
            var headers = [("Content-Type", "application/json")]
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            return try? TestHTTP.request(
                port: server.port,
                "POST",
                "/_mcp",
                host: "todo.localhost:\(server.port)",
                headers: headers + extra,
                body: Array(body.utf8)
            )
        }
    }

    static func call(
        _ post: (String, [(String, String)]) -> TestResponse?,
        _ tool: String,
        _ arguments: [String: Any]
    )
        -> MCPCallResult
    {
        let response = post(MCPClient.message("tools/call", ["name": tool, "arguments": arguments]), [])
        let result = response?.json["result"] as? [String: Any] ?? [:]
        return MCPCallResult(
            isError: result["isError"] as? Bool ?? true,
            structured: result["structuredContent"] as? [String: Any] ?? [:],
            text: (result["content"] as? [[String: Any]])?.first?["text"] as? String ?? response?.text ?? "no answer"
        )
    }

    static func names(_ post: (String, [(String, String)]) -> TestResponse?) -> [String] {
        let tools = (post(MCPClient.message("tools/list"), [])?.json["result"] as? [String: Any])?["tools"]
        return (tools as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
    }

    @Test(.timeLimit(.minutes(2))) func toolsValidateRunContainAndFollowTheLiveVersion() throws {
        let server = try ServerProcess()
        let deployed = try server.deploy(
            "todo",
            try ArchiveFixtures.zip(Self.site(Self.manifest(Self.addTodo + "," + Self.others)))
        )
        #expect(deployed.status == 201, "\(deployed.text)")
        let owner = Self.client(server, token: try server.token())
        let anonymous = Self.client(server, token: nil)
        let builder = Self.client(
            server,
            token: try server.scopedToken(["--name", "b", "--app", "todo", "--preset", "build"])
        )
        let reader = Self.client(
            server,
            token: try server.scopedToken(["--name", "r", "--app", "todo", "--preset", "read"])
        )

        // initialize names the app and its instructions; the list shows what the caller may call.
        let initialize = owner(
            MCPClient.message("initialize", ["protocolVersion": "2025-06-18", "capabilities": [String: Any]()]),
            []
        )
        #expect((initialize?.json["result"] as? [String: Any])?["instructions"] as? String == "Todo list")
        #expect(Self.names(owner) == ["add_todo", "count", "spin", "boom"])
        #expect(Self.names(anonymous) == ["count"])
        #expect(Self.names(reader) == ["count"])
        // A builder of another app sees only the public tools here, like anyone.
        let stranger = Self.client(
            server,
            token: try server.scopedToken(["--name", "s", "--app", "other", "--preset", "ship"])
        )
        #expect(Self.names(stranger) == ["count"])
        #expect(Self.names(builder) == ["add_todo", "count", "spin", "boom"])

        // Valid arguments: the handler runs as an invocation; its value is structuredContent.
        let added = Self.call(builder, "add_todo", ["text": "milk", "priority": "high"])
        #expect(
            !added.isError && added.structured["id"] as? Int == 1 && added.structured["text"] as? String == "milk",
            "\(added.text)"
        )
        #expect(Self.call(anonymous, "count", [:]).structured["result"] as? Int == 1)

        // Arguments are checked against inputSchema before the handler runs.
        let cases: [([String: Any], String)] = [
            ([:], "$.text is required"),
            (["text": 5], "$.text must be string"),
            (["text": ""], "at least 1 characters"),
            (["text": String(repeating: "x", count: 21)], "at most 20 characters"),
            (["text": "a", "priority": "urgent"], "must be one of"),
            (["text": "a", "count": 9], "must be ≤ 5"),
            (["text": "a", "count": 1.5], "must be integer"),
            (["text": "a", "colour": "red"], "$.colour is not allowed"),
        ]
        for (arguments, expected) in cases {
            let result = Self.call(owner, "add_todo", arguments)
            #expect(result.isError && result.text.contains(expected), "\(arguments): \(result.text)")
        }
        #expect(Self.call(anonymous, "count", [:]).structured["result"] as? Int == 1, "no invalid call ran")

        // Token tools: app-tools:call for this app.
        let denied = Self.call(reader, "add_todo", ["text": "x"])
        #expect(denied.isError && denied.text.contains("app-tools:call"), "\(denied.text)")
        #expect(Self.call(anonymous, "add_todo", ["text": "x"]).text.contains("app-tools:call"))
        let bad = Self.client(server, token: "fzt_" + String(repeating: "1", count: 56))
        #expect(bad(MCPClient.message("tools/list"), [])?.status == 401)

        // A throw is an isError result; the run is recorded with its stack.
        let boom = Self.call(owner, "boom", [:])
        #expect(boom.isError && boom.text.contains("kaput"), "\(boom.text)")
        let runs = try server.api("GET", "/apps/todo/runs").json["runs"] as? [[String: Any]] ?? []
        #expect(runs.contains { ($0["error"] as? String)?.contains("kaput") == true }, "\(runs)")

        // A runaway tool is stopped at the time limit; the app keeps answering.
        let spin = Self.call(owner, "spin", [:])
        #expect(spin.isError && spin.text.lowercased().contains("time"), "\(spin.text)")
        #expect(Self.call(anonymous, "count", [:]).structured["result"] as? Int == 1)

        // The tool set follows the live version: deploy, then roll back.
        let item = #""add_item": {"handler": "mcp/add_item.js", "description": "Add an item", "auth": "public"}"#
        #expect(try server.deploy("todo", try ArchiveFixtures.zip(Self.site(Self.manifest(item)))).status == 201)
        #expect(Self.names(anonymous) == ["add_item"])
        #expect(Self.call(anonymous, "add_item", ["name": "pen"]).structured["item"] as? String == "pen")
        let gone = anonymous(MCPClient.message("tools/call", ["name": "add_todo", "arguments": [String: Any]()]), [])
        #expect((gone?.json["error"] as? [String: Any])?["code"] as? Int == -32602)
        #expect(try server.api("POST", "/apps/todo/rollback", body: Array(#"{"version":1}"#.utf8)).status == 200)
        #expect(Self.names(owner) == ["add_todo", "count", "spin", "boom"])

        // Public tools: 60 calls a minute per client address, then a clear refusal.
        var limited: MCPCallResult?
        for _ in 0..<70 {
            let result = Self.call(anonymous, "count", [:])
            if result.isError {
                limited = result
                break
            }
        }
        #expect(limited?.text.contains("rate limited") == true, "\(limited?.text ?? "never limited")")
    }

    @Test func badDeclarationsFailTheDeployAndAppsWithoutToolsSayWhy() throws {
        let server = try ServerProcess()
        let missing = #""x": {"description": "no handler"}"#
        let refused = try server.deploy("todo", try ArchiveFixtures.zip(Self.site(Self.manifest(missing))))
        #expect(refused.status == 400 && refused.text.contains("mcp.tools.x.handler"), "\(refused.text)")
        let typo = try server.deploy(
            "todo",
            try ArchiveFixtures.zip(
                Self.site(#"{"mcp": {"tools": {"x": {"handler": "a.js", "description": "d", "auht": "token"}}}}"#)
            )
        )
        #expect(typo.status == 400 && typo.text.contains("mcp.tools.x.auht"), "\(typo.text)")
        #expect(try server.deploy("plain", try ArchiveFixtures.zip(PreviewTests.site("p"))).status == 201)
        let none = try TestHTTP.request(
            port: server.port,
            "POST",
            "/_mcp",
            host: "plain.localhost:\(server.port)",
            headers: [("Content-Type", "application/json")],
            body: Array(MCPClient.message("tools/list").utf8)
        )
        #expect(none.status == 404 && none.text.contains("declares no MCP tools"), "\(none.text)")
    }
}

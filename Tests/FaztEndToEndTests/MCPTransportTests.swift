import FaztTestSupport
import Foundation
import Testing

/// `/_fazt/mcp` as raw HTTP: every transport rule and error code of both eras, one case each.
@Suite struct MCPTransportTests {
    static func error(_ response: TestResponse) -> (code: Int, message: String) {
        let error = response.json["error"] as? [String: Any]
        return (error?["code"] as? Int ?? 0, error?["message"] as? String ?? "")
    }

    @Test func httpRulesBothEras() throws {
        let server = try ServerProcess()
        let client = MCPClient(server: server, token: try server.token())

        // GET and DELETE: 405 with Allow: POST (no GET stream, no sessions to delete).
        for method in ["GET", "DELETE"] {
            let response = try TestHTTP.request(
                port: server.port,
                method,
                "/_fazt/mcp",
                headers: [("Authorization", "Bearer \(try server.token())")]
            )
            #expect(response.status == 405 && response.header("allow") == "POST", "\(method): \(response.text)")
        }
        // A foreign Origin: 403 (DNS rebinding); the server's own origin is fine.
        let evil = try client.post(MCPClient.message("ping"), headers: [("Origin", "http://evil.example")])
        #expect(evil.status == 403, "\(evil.text)")
        let own = try client.post(MCPClient.message("ping"), headers: [("Origin", "http://localhost:\(server.port)")])
        #expect(own.status == 200, "\(own.text)")
        // No token, a wrong token: 401 with a plain Bearer challenge (no OAuth metadata advertised).
        for token in [nil, "fzt_" + String(repeating: "0", count: 56)] {
            let response = try MCPClient(server: server, token: token).post(MCPClient.message("ping"))
            #expect(response.status == 401 && response.header("www-authenticate") == "Bearer", "\(response.text)")
        }
        let metadata = try TestHTTP.request(port: server.port, "GET", "/.well-known/oauth-protected-resource")
        #expect(metadata.status == 404)
        // Over 1 MB: 413.
        let big = try client.post(
            #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":""# + String(repeating: "a", count: 1_100_000)
                + #""}}"#
        )
        #expect(big.status == 413, "\(big.status)")
        // Not JSON: 400 -32700; a batch or a non-2.0 message: 400 -32600; a wrong media type: 415.
        let garbage = try client.post("{nope")
        #expect(garbage.status == 400 && Self.error(garbage).code == -32700, "\(garbage.text)")
        let batch = try client.post("[" + MCPClient.message("ping") + "]")
        #expect(batch.status == 400 && Self.error(batch).code == -32600, "\(batch.text)")
        let old = try client.post(#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#)
        #expect(old.status == 400 && Self.error(old).code == -32600, "\(old.text)")
        let form = try TestHTTP.request(
            port: server.port,
            "POST",
            "/_fazt/mcp",
            headers: [("Authorization", "Bearer \(try server.token())"), ("Content-Type", "text/plain")],
            body: Array(MCPClient.message("ping").utf8)
        )
        #expect(form.status == 415, "\(form.text)")
        // Notifications and client responses: 202, no body.
        let note = try client.post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        #expect(note.status == 202 && note.body.isEmpty, "\(note.text)")
        let reply = try client.post(#"{"jsonrpc":"2.0","id":5,"result":{}}"#)
        #expect(reply.status == 202 && reply.body.isEmpty)
    }

    @Test func initializeEra() throws {
        let server = try ServerProcess()
        let client = MCPClient(server: server, token: try server.token())
        for (asked, answered) in [
            ("2025-03-26", "2025-03-26"), ("2025-06-18", "2025-06-18"), ("2025-11-25", "2025-11-25"),
            ("1999-01-01", "2025-11-25"),
        ] {
            let response = try client.post(
                MCPClient.message(
                    "initialize",
                    [
                        "protocolVersion": asked, "capabilities": [String: Any](),
                        "clientInfo": ["name": "t", "version": "1"],
                    ]
                )
            )
            let result = response.json["result"] as? [String: Any] ?? [:]
            #expect(response.status == 200 && result["protocolVersion"] as? String == answered, "\(response.text)")
            #expect((result["capabilities"] as? [String: Any])?["tools"] != nil)
            #expect(response.header("mcp-session-id") == nil, "no session is ever minted")
        }
        // A second initialize on the same endpoint is fine: nothing is remembered.
        let ping = try client.post(MCPClient.message("ping", id: 9), headers: [("MCP-Protocol-Version", "2025-06-18")])
        #expect(
            ping.status == 200 && ping.json["id"] as? Int == 9
                && (ping.json["result"] as? [String: Any])?.isEmpty == true
        )
        // An unsupported MCP-Protocol-Version header: 400.
        let bad = try client.post(MCPClient.message("tools/list"), headers: [("MCP-Protocol-Version", "2024-01-01")])
        #expect(bad.status == 400 && Self.error(bad).code == -32600, "\(bad.text)")
        // A stray session id is ignored.
        let stray = try client.post(MCPClient.message("tools/list"), headers: [("Mcp-Session-Id", "abc")])
        #expect(stray.status == 200)
        // Unknown method: -32601 with 200 in this era; unknown tool: -32602.
        let unknown = try client.post(MCPClient.message("resources/list"))
        #expect(unknown.status == 200 && Self.error(unknown).code == -32601, "\(unknown.text)")
        let tool = try client.post(MCPClient.message("tools/call", ["name": "nope", "arguments": [String: Any]()]))
        #expect(tool.status == 200 && Self.error(tool).code == -32602, "\(tool.text)")
        // String ids come back as strings.
        let named = try client.post(#"{"jsonrpc":"2.0","id":"abc","method":"ping"}"#)
        #expect(named.json["id"] as? String == "abc")
    }

    @Test func statelessEra() throws {
        let server = try ServerProcess()
        let client = MCPClient(server: server, token: try server.token())
        let discover = try client.modern("server/discover")
        let result = discover.json["result"] as? [String: Any] ?? [:]
        #expect(discover.status == 200, "\(discover.text)")
        #expect(result["supportedVersions"] as? [String] == ["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"])
        #expect(result["resultType"] as? String == "complete" && result["ttlMs"] != nil && result["cacheScope"] != nil)
        let list = try client.modern("tools/list")
        let listed = list.json["result"] as? [String: Any] ?? [:]
        #expect(listed["cacheScope"] as? String == "private" && listed["resultType"] as? String == "complete")
        let call = try client.modern(
            "tools/call",
            ["name": "fazt_docs", "arguments": ["topic": "loop"]],
            name: "fazt_docs"
        )
        #expect((call.json["result"] as? [String: Any])?["resultType"] as? String == "complete", "\(call.text)")
        // Mcp-Name may be base64-wrapped.
        let wrapped = try client.modern(
            "tools/call",
            ["name": "fazt_docs", "arguments": [String: Any]()],
            name: "=?base64?" + Data("fazt_docs".utf8).base64EncodedString() + "?="
        )
        #expect(wrapped.status == 200, "\(wrapped.text)")

        func raw(
            _ params: [String: Any],
            _ headers: [(String, String)],
            method: String = "tools/list"
        ) throws -> TestResponse {
            try client.post(MCPClient.message(method, params), headers: headers)
        }
        // Missing _meta field: 400 -32602.
        let noCapabilities = try raw(
            ["_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28"]],
            [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/list")]
        )
        #expect(noCapabilities.status == 400 && Self.error(noCapabilities).code == -32602, "\(noCapabilities.text)")
        // Header against body: 400 -32020 (version, method, name).
        let version = try raw(
            ["_meta": MCPClient.meta],
            [("MCP-Protocol-Version", "2025-11-25"), ("Mcp-Method", "tools/list")]
        )
        #expect(version.status == 400 && Self.error(version).code == -32020, "\(version.text)")
        let method = try raw(
            ["_meta": MCPClient.meta],
            [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call")]
        )
        #expect(method.status == 400 && Self.error(method).code == -32020, "\(method.text)")
        let name = try raw(
            ["_meta": MCPClient.meta, "name": "fazt_docs"],
            [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "apps_list")],
            method: "tools/call"
        )
        #expect(name.status == 400 && Self.error(name).code == -32020, "\(name.text)")
        // An unsupported version: 400 -32022 naming the supported ones.
        var future = MCPClient.meta
        future["io.modelcontextprotocol/protocolVersion"] = "2027-01-01"
        let unsupported = try raw(
            ["_meta": future],
            [("MCP-Protocol-Version", "2027-01-01"), ("Mcp-Method", "tools/list")]
        )
        let data = (unsupported.json["error"] as? [String: Any])?["data"] as? [String: Any]
        #expect(unsupported.status == 400 && Self.error(unsupported).code == -32022, "\(unsupported.text)")
        #expect((data?["supported"] as? [String])?.contains("2026-07-28") == true)
        // Unknown method: 404 -32601; ping is gone in this era.
        let gone = try client.modern("ping")
        #expect(gone.status == 404 && Self.error(gone).code == -32601, "\(gone.text)")
    }

    @Test func toolListIsSmallStableAndWellFormed() throws {
        let server = try ServerProcess()
        let client = MCPClient(server: server, token: try server.token())
        let first = try client.post(MCPClient.message("tools/list"))
        let second = try client.post(MCPClient.message("tools/list"))
        #expect(first.body == second.body, "byte-identical across calls")
        let tools = (first.json["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []
        let listJSON = try JSONSerialization.data(withJSONObject: first.json["result"] ?? [:])
        #expect(first.body.count <= 12 * 1024 && listJSON.count <= 12 * 1024, "\(first.body.count) bytes")
        #expect(tools.count == 19 && tools.count <= 20)
        for tool in tools {
            let name = tool["name"] as? String ?? ""
            #expect(!name.isEmpty && name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) }, "\(name)")
            #expect((1...300).contains((tool["description"] as? String ?? "").count), "\(name)")
            #expect((tool["inputSchema"] as? [String: Any])?["type"] as? String == "object", "\(name)")
            #expect((tool["outputSchema"] as? [String: Any])?["type"] as? String == "object", "\(name)")
            let hints = tool["annotations"] as? [String: Any] ?? [:]
            #expect(
                hints["readOnlyHint"] is Bool && hints["destructiveHint"] is Bool && hints["idempotentHint"] is Bool
            )
        }
    }
}

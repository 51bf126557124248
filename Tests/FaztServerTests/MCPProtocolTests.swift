import FaztAPI
import FaztStorage
import NIOHTTP1
import Testing

@testable import FaztServer

@Suite struct MCPProtocolTests {
    static func message(_ text: String) throws -> MCPMessage {
        try MCPMessage(try JSONValue.decode(Array(text.utf8)))
    }

    static let meta =
        #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#

    @Test func envelopes() throws {
        #expect(try Self.message(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).method == "ping")
        #expect(try Self.message(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).isNotification)
        #expect(try Self.message(#"{"jsonrpc":"2.0","id":1,"result":{}}"#).isResponse)
        for bad in [
            #"[]"#, #"{"id":1,"method":"x"}"#, #"{"jsonrpc":"2.0","id":true,"method":"x"}"#,
            #"{"jsonrpc":"2.0","id":1}"#,
        ] {
            #expect(throws: MCPError.self, "\(bad)") { try Self.message(bad) }
        }
        #expect(throws: MCPError.self) { try Self.message(#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#) }
    }

    @Test func eraDetection() throws {
        let initialize = try Self.message(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
        #expect(try MCPServer.era(of: initialize, headers: [:]) == .legacy(version: "2025-03-26"))
        let list = try Self.message(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        #expect(
            try MCPServer.era(of: list, headers: ["MCP-Protocol-Version": "2025-06-18"])
                == .legacy(version: "2025-06-18")
        )
        let modern = try Self.message(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{\#(Self.meta)}}"#)
        let headers: HTTPHeaders = ["MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"]
        #expect(try MCPServer.era(of: modern, headers: headers) == .modern(version: "2026-07-28"))
        func code(_ message: MCPMessage, _ headers: HTTPHeaders) -> Int? {
            do {
                _ = try MCPServer.era(of: message, headers: headers)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(list, ["MCP-Protocol-Version": "2024-01-01"]) == MCPError.invalidRequest)
        #expect(code(modern, ["MCP-Protocol-Version": "2026-07-28"]) == MCPError.headerMismatch)
        #expect(code(modern, ["Mcp-Method": "tools/list"]) == MCPError.headerMismatch)
        let half = try Self.message(
            #"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#
        )
        #expect(code(half, headers) == MCPError.invalidParams)
        let call = try Self.message(
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"diff",\#(Self.meta)}}"#
        )
        let callHeaders: HTTPHeaders = [
            "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "dif",
        ]
        #expect(code(call, callHeaders) == MCPError.headerMismatch)
        #expect(MCPServer.decodeHeader("=?base64?ZGlmZg==?=") == "diff")
    }

    @Test func statusesPerEra() {
        let modern = MCPEra.modern(version: "2026-07-28")
        let legacy = MCPEra.legacy(version: "2025-11-25")
        #expect(MCPError(MCPError.methodNotFound, "").status(in: modern) == .notFound)
        #expect(MCPError(MCPError.methodNotFound, "").status(in: legacy) == .ok)
        #expect(MCPError(MCPError.invalidParams, "").status(in: modern) == .badRequest)
        #expect(MCPError(MCPError.invalidParams, "").status(in: legacy) == .ok)
        #expect(MCPError(MCPError.parseError, "").status(in: nil) == .badRequest)
    }

    @Test func catalogFitsTheBudgetAndFollowsScopes() {
        let owner = TokenInfo(id: "o", name: "owner", createdAt: 0)
        let list = MCPToolCatalog.listJSON(for: owner)
        #expect(list.utf8.count <= 12 * 1024 && MCPToolCatalog.tools.count <= 20)
        #expect(list == MCPToolCatalog.listJSON(for: owner))
        let read = TokenInfo(id: "r", name: "r", createdAt: 0, apps: ["blog"], scopes: ["apps:read"])
        #expect(MCPToolCatalog.tools.filter { MCPToolCatalog.allows(read, $0) }.map(\.name).count == 7)
        for tool in MCPToolCatalog.tools {
            #expect(tool.name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (97...122).contains($0) })
            #expect(tool.description.count <= 300)
        }
    }
}

import FaztJSON

/// The answers both MCP servers (the kernel's at `/_fazt/mcp`, an app's at `/_mcp`) give before
/// any tool: `initialize` and `ping` in the initialize era, `server/discover` in both.
struct MCPHandshake {
    /// `{"name", "version"}` of the server.
    var info: JSONValue
    var instructions: String
    /// How long a client may keep the discovery answer, and whether it may share it.
    var discoverTTLMs: Double
    var discoverCacheScope: String

    /// The result of `method` as JSON text, or nil when it is not a handshake method of `era`.
    func answer(_ message: MCPMessage, era: MCPEra) -> String? {
        let capabilities = JSONValue.object([("tools", .object([("listChanged", .bool(false))]))])
        switch message.method {
        case "initialize" where !era.isModern:
            let requested = message.params?["protocolVersion"]?.stringValue ?? ""
            let version = MCPEra.legacyVersions.contains(requested) ? requested : "2025-11-25"
            return JSONValue.object([
                ("protocolVersion", .string(version)), ("capabilities", capabilities), ("serverInfo", info),
                ("instructions", .string(instructions)),
            ]).text
        case "ping" where !era.isModern:
            return "{}"
        case "server/discover":
            return JSONValue.object([
                ("supportedVersions", .array(MCPEra.allVersions.map { .string($0) })),
                ("capabilities", capabilities), ("instructions", .string(instructions)),
                ("resultType", .string("complete")), ("ttlMs", .number(discoverTTLMs)),
                ("cacheScope", .string(discoverCacheScope)), ("_meta", .object([(MCPEra.serverInfoKey, info)])),
            ]).text
        default:
            return nil
        }
    }
}

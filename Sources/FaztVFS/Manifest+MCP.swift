import FaztJSON

/// An app's own MCP tools (`"mcp"` in `fazt.json`), served at `/_mcp` from the live version.
public struct AppMCPManifest: Sendable, Equatable {
    public struct Tool: Sendable, Equatable {
        public enum Auth: String, Sendable, Equatable {
            /// A token with `app-tools:call` for the app.
            case token
            /// Anyone (rate-limited per client address).
            case `public`
        }

        public var name: String
        public var handler: String
        public var description: String
        public var title: String?
        /// A JSON Schema object (`{"type":"object"}` when not given).
        public var inputSchema: JSONValue
        public var outputSchema: JSONValue?
        public var annotations: JSONValue?
        public var auth: Auth
    }

    public var instructions: String?
    /// In `fazt.json` order.
    public var tools: [Tool]
}

extension Manifest {
    static func parseMCP(_ value: JSONValue) throws(VFSError) -> AppMCPManifest {
        func wrong(_ path: String, _ expectation: String) -> VFSError {
            VFSError(.badManifest, "fazt.json: \"mcp\(path)\" must be \(expectation)")
        }
        guard case .object = value else { throw wrong("", "an object") }
        var result = AppMCPManifest(instructions: value["instructions"]?.stringValue, tools: [])
        guard let tools = value["tools"], tools != .null else { return result }
        guard case .object(let members) = tools else { throw wrong(".tools", "an object of tools") }
        for (name, spec) in members {
            let valid =
                !name.isEmpty && name.utf8.count <= 128
                && name.utf8.allSatisfy {
                    ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 45
                        || $0 == 46
                }
            guard valid else {
                throw VFSError(.badManifest, "fazt.json: MCP tool name \"\(name)\" must be 1-128 of A-Z a-z 0-9 _ - .")
            }
            guard let handler = spec["handler"]?.stringValue, ScriptFile.isModule(handler) else {
                throw wrong(".tools.\(name).handler", "a .js (or .mjs, .ts, .mts) file path")
            }
            guard let description = spec["description"]?.stringValue, !description.isEmpty else {
                throw wrong(".tools.\(name).description", "a non-empty string")
            }
            let input = spec["inputSchema"] ?? .object([("type", .string("object"))])
            guard input["type"]?.stringValue == "object" else {
                throw wrong(".tools.\(name).inputSchema", "a JSON Schema with \"type\": \"object\"")
            }
            let auth = spec["auth"]?.stringValue.flatMap(AppMCPManifest.Tool.Auth.init(rawValue:)) ?? .token
            result.tools.append(
                AppMCPManifest.Tool(
                    name: name,
                    handler: handler.hasPrefix("/") ? String(handler.dropFirst()) : handler,
                    description: description,
                    title: spec["title"]?.stringValue,
                    inputSchema: input,
                    outputSchema: spec["outputSchema"],
                    annotations: spec["annotations"],
                    auth: auth
                )
            )
        }
        return result
    }
}

import FaztAPI
import FaztKernel
import FaztStorage

/// One kernel tool as `tools/list` shows it, with the scope a token needs to see and call it.
struct MCPTool: Sendable {
    struct Hints: Sendable {
        var readOnly: Bool
        var destructive: Bool
        var idempotent: Bool
        var openWorld = false
    }

    let name: String
    /// nil: every token (`fazt_docs`).
    let scope: TokenScope?
    let description: String
    let input: JSONValue
    let output: JSONValue
    let hints: Hints

    /// The tool's `tools/list` entry as JSON text, built once (the list is byte-identical across calls).
    var json: String {
        JSONValue.object([
            ("name", .string(name)),
            ("description", .string(description)),
            ("inputSchema", input),
            ("outputSchema", output),
            (
                "annotations",
                .object([
                    ("readOnlyHint", .bool(hints.readOnly)), ("destructiveHint", .bool(hints.destructive)),
                    ("idempotentHint", .bool(hints.idempotent)), ("openWorldHint", .bool(hints.openWorld)),
                ])
            ),
        ]).text
    }
}

/// The kernel tools, in the order `tools/list` shows them.
enum MCPToolCatalog {
    typealias S = MCPSchema

    static let read = MCPTool.Hints(readOnly: true, destructive: false, idempotent: true)

    static let tools: [MCPTool] = [
        MCPTool(
            name: "fazt_docs",
            scope: nil,
            description: "How to write a Fazt app: files, fazt.json, the api/ handler contract, the fazt.* API, "
                + "and the agent loop. Read it first.",
            input: S.object([("topic", S.enumeration(MCPDocs.topics, "default: all"))]),
            output: S.output([("topic", S.string()), ("text", S.string())]),
            hints: read
        ),
        MCPTool(
            name: "apps_list",
            scope: .appsRead,
            description: "The apps this token reaches, with live version and URL.",
            input: S.object([]),
            output: S.output([("apps", S.array)]),
            hints: read
        ),
        MCPTool(
            name: "app_status",
            scope: .appsRead,
            description: "One app: live version, URL, drafts, failed runs in the last hour, pending approvals.",
            input: S.object([S.app], required: ["app"]),
            output: S.output([
                ("app", S.string()), ("live", S.nullableInteger), ("url", S.string()), ("drafts", S.array),
                ("failedRunsLastHour", S.integer()), ("approvals", S.array),
            ]),
            hints: read
        ),
        MCPTool(
            name: "files_list",
            scope: .appsRead,
            description: "Files of a version or draft: path, size, sha256.",
            input: S.object([S.app, S.ref], required: ["app"]),
            output: S.output([("ref", S.string()), ("files", S.array)]),
            hints: read
        ),
        MCPTool(
            name: "files_read",
            scope: .appsRead,
            description: "One file of a version or draft; text as is, binary as base64.",
            input: S.object([S.app, ("path", S.string()), S.ref], required: ["app", "path"]),
            output: S.output([
                ("path", S.string()), ("size", S.integer()), ("sha256", S.string()), ("encoding", S.string()),
                ("content", S.string()),
            ]),
            hints: read
        ),
        MCPTool(
            name: "versions_list",
            scope: .appsRead,
            description: "An app's versions, newest first, marking the live one.",
            input: S.object([S.app], required: ["app"]),
            output: S.output([("versions", S.array)]),
            hints: read
        ),
        MCPTool(
            name: "diff",
            scope: .appsRead,
            description: "Unified diff between two versions (numbers or \"live\").",
            input: S.object([S.app, ("from", S.string()), ("to", S.string())], required: ["app", "from", "to"]),
            output: S.output([("files", S.array)]),
            hints: read
        ),
        MCPTool(
            name: "logs_read",
            scope: .logsRead,
            description: "Log lines of the live app, or of a version's preview; pass the last id as after to follow.",
            input: S.object(
                [S.app, ("version", S.integer("a preview's logs")), ("after", S.integer()), ("limit", S.integer())],
                required: ["app"]
            ),
            output: S.output([("logs", S.array)]),
            hints: read
        ),
        MCPTool(
            name: "runs_list",
            scope: .logsRead,
            description: "Execution history (http, job, event, socket) with errors and stacks; live or a preview.",
            input: S.object(
                [
                    S.app, ("version", S.integer("a preview's runs")),
                    ("kind", S.enumeration(["http", "job", "event", "socket"])), ("limit", S.integer()),
                ],
                required: ["app"]
            ),
            output: S.output([("runs", S.array)]),
            hints: read
        ),
        MCPTool(
            name: "storage_query",
            scope: .storageRead,
            description: "Read-only SQL over the app's live storage (SELECT/WITH; read-only connection).",
            input: S.object([S.app, ("sql", S.string()), ("params", S.array)], required: ["app", "sql"]),
            output: S.output([("columns", S.array), ("rows", S.array)]),
            hints: read
        ),
        MCPTool(
            name: "app_create",
            scope: .appsCreate,
            description: "Create an empty app; then files_write to a draft and commit.",
            input: S.object([("name", S.string("lower-case letters, digits, '-'"))], required: ["name"]),
            output: S.output([("app", S.string()), ("created", S.boolean()), ("url", S.string())]),
            hints: .init(readOnly: false, destructive: false, idempotent: true)
        ),
        MCPTool(
            name: "files_write",
            scope: .appsWrite,
            description:
                "Write a file to a draft (never live). expectedHash: fail unless the file's sha256 is still this.",
            input: S.object(
                [
                    S.app, ("path", S.string()), ("content", S.string()), ("draft", S.string("default: main")),
                    ("encoding", S.enumeration(["utf8", "base64"])), ("expectedHash", S.string("sha256 hex")),
                ],
                required: ["app", "path", "content"]
            ),
            output: S.output([("path", S.string()), ("size", S.integer()), ("sha256", S.string())]),
            hints: .init(readOnly: false, destructive: false, idempotent: true)
        ),
        MCPTool(
            name: "files_delete",
            scope: .appsWrite,
            description: "Delete a file from a draft (the versions keep it).",
            input: S.object(
                [S.app, ("path", S.string()), ("draft", S.string("default: main"))],
                required: ["app", "path"]
            ),
            output: S.output([("path", S.string()), ("deleted", S.boolean())]),
            hints: .init(readOnly: false, destructive: true, idempotent: true)
        ),
        MCPTool(
            name: "commit",
            scope: .appsWrite,
            description: "Freeze a draft into a new version (not live) and get its preview URL.",
            input: S.object(
                [
                    S.app, ("draft", S.string("default: main")), ("message", S.string()),
                    ("expectedParent", S.integer()),
                ],
                required: ["app"]
            ),
            output: S.output([("version", S.integer()), ("previewUrl", S.string())]),
            hints: .init(readOnly: false, destructive: false, idempotent: false)
        ),
        MCPTool(
            name: "preview_request",
            scope: .appsWrite,
            description: "Send an HTTP request to a version's preview: status, body and the logs it emitted.",
            input: S.object(
                [
                    S.app, ("version", S.integer()), ("path", S.string()), ("method", S.string("default: GET")),
                    ("headers", S.anyObject), ("body", S.string()),
                ],
                required: ["app", "version", "path"]
            ),
            output: S.output([("status", S.integer()), ("body", S.string()), ("logs", S.array)]),
            hints: .init(readOnly: false, destructive: false, idempotent: false, openWorld: true)
        ),
        MCPTool(
            name: "deploy",
            scope: .appsDeploy,
            description: "Make a version live. expectedLive guards against races; idempotencyKey makes retries safe.",
            input: S.object(
                [S.app, ("version", S.integer()), ("expectedLive", S.integer()), ("idempotencyKey", S.string())],
                required: ["app", "version"]
            ),
            output: S.output([("app", S.string()), ("live", S.integer()), ("previous", S.nullableInteger)]),
            hints: .init(readOnly: false, destructive: true, idempotent: true)
        ),
        MCPTool(
            name: "rollback",
            scope: .appsDeploy,
            description: "Make an earlier version live again (default: the one before live); history is kept.",
            input: S.object([S.app, ("to", S.integer()), ("expectedLive", S.integer())], required: ["app"]),
            output: S.output([("app", S.string()), ("live", S.integer()), ("previous", S.nullableInteger)]),
            hints: .init(readOnly: false, destructive: true, idempotent: true)
        ),
        MCPTool(
            name: "data_snapshot",
            scope: .appsDeploy,
            description: "Name a restore point of the app's data.",
            input: S.object([S.app, ("name", S.string())], required: ["app"]),
            output: S.output([("name", S.string())]),
            hints: .init(readOnly: false, destructive: false, idempotent: false)
        ),
        MCPTool(
            name: "data_restore",
            scope: .appsDeploy,
            description: "Restore data (and/or code) to a snapshot, version or seq. Without storage:admin it waits "
                + "for the owner's approval: poll app_status.",
            input: S.object(
                [
                    S.app, ("snapshot", S.string()), ("version", S.integer()), ("seq", S.integer()),
                    ("data", S.boolean()), ("code", S.boolean()),
                ],
                required: ["app"]
            ),
            output: S.output([("status", S.string())]),
            hints: .init(readOnly: false, destructive: true, idempotent: false)
        ),
    ]

    static let byName: [String: MCPTool] = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) })
    static let jsonByName: [String: String] = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0.json) })

    /// Whether `token` may see and call `tool` (on some app).
    static func allows(_ token: TokenInfo, _ tool: MCPTool) -> Bool {
        guard let scope = tool.scope else { return true }
        return token.allows(scope, app: nil)
    }

    /// The `tools` array of `tools/list` for `token`, as JSON text, in catalog order.
    static func listJSON(for token: TokenInfo) -> String {
        "[" + tools.filter { allows(token, $0) }.compactMap { jsonByName[$0.name] }.joined(separator: ",") + "]"
    }
}

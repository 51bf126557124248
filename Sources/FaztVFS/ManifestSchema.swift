/// The catalogue of every `fazt.json` key Fazt reads: name, JSON type, default and meaning.
///
/// `Manifest.parse` refuses any key not listed here (naming the closest listed one), and the
/// reference table in docs/api.md follows this list. A key read anywhere (the static server, the
/// runtime, the scheduler, the event bus) must be listed here, or deploys that use it fail.
public enum ManifestSchema {
    /// One key: its name, type, default (as documented) and a one-line meaning.
    public struct Key: Sendable {
        public let name: String
        public let kind: Kind
        public let defaultText: String
        public let summary: String

        init(_ name: String, _ kind: Kind, default defaultText: String = "none", _ summary: String) {
            self.name = name
            self.kind = kind
            self.defaultText = defaultText
            self.summary = summary
        }
    }

    /// A key's JSON type; objects and lists of objects carry their own keys.
    public indirect enum Kind: Sendable {
        case string
        case boolean
        /// A whole number ≥ `minimum`.
        case integer(minimum: Int)
        /// One of these strings.
        case choice([String])
        /// A string or a list of strings.
        case stringOrStrings
        case strings
        /// An object with these keys.
        case object([Key])
        /// A list of objects with these keys.
        case objects([Key])
        /// An object of free names (described by `what`), each an object with these keys.
        case named(String, [Key])
        /// An object of free names, each a string (`what` describes the pair).
        case stringMap(String)
        /// An object of free names, each a string, number or boolean.
        case scalarMap(String)
        /// Any JSON object (a JSON Schema, annotations), checked where it is used.
        case anyObject(String)

        /// What a value must be, for error messages (`a string`, `true or false`, …).
        var expectation: String {
            switch self {
            case .string: return "a string"
            case .boolean: return "true or false"
            case .integer(let minimum): return minimum == 1 ? "a positive whole number" : "a whole number ≥ \(minimum)"
            case .choice(let values): return ManifestSchema.either(values.map { "\"\($0)\"" })
            case .stringOrStrings: return "a string or a list of strings"
            case .strings: return "a list of strings"
            case .object: return "an object"
            case .objects: return "a list of objects"
            case .named(let what, _), .stringMap(let what), .scalarMap(let what): return "an object of \(what)"
            case .anyObject(let what): return "an object (\(what))"
            }
        }
    }

    /// The top-level keys.
    public static let keys: [Key] = [
        Key(
            "name",
            .string,
            default: "the folder's name",
            "Default app name for `fazt deploy` (when `--app` is not given)."
        ),
        Key("spa", .boolean, default: "false", "Serve `index.html` for extension-less paths that match no file."),
        Key(
            "access",
            .choice(["public", "owner"]),
            default: "\"public\"",
            "`owner`: every path needs the owner's token or session."
        ),
        Key("debug", .boolean, default: "false", "Send exception text, `where` and stack to clients in a 500."),
        Key("cors", .object(cors), default: "any origin, no credentials", "CORS for `/api/*`."),
        Key("limits", .object(limits), "Per-app limits (they can only lower the server's)."),
        Key(
            "egress",
            .strings,
            default: "any public host",
            "Hosts `fetch` may reach (`api.github.com`, `*.slack.com`); others fail with `NET_BLOCKED`."
        ),
        Key("env", .scalarMap("NAME → value"), "Fallbacks for `fazt.env.get` (owner values from `fazt env set` win)."),
        Key("schedules", .objects(schedule), default: "[]", "Cron jobs (see Cron)."),
        Key("events", .stringMap("pattern → handler file"), "Event subscriptions kept with the live version."),
        Key(
            "permissions",
            .strings,
            default: "[]",
            "Permissions the app asks the owner for (`events:app:<other>.*`, `ai`)."
        ),
        Key("webhooks", .named("name → {secret, signature}", webhook), "Inbound webhooks at `/_hooks/<name>`."),
        Key("realtime", .object(realtime), default: "sockets from the app's own origin", "WebSockets at `/_ws`."),
        Key("assistant", .object(assistant), "Settings of an assistant app (`fazt create NAME --template assistant`)."),
        Key("mcp", .object(mcp), "The app's own MCP tools, served at `/_mcp` (see App-defined MCP tools)."),
    ]

    static let mcp: [Key] = [
        Key("instructions", .string, "What `initialize`/`server/discover` tell the agent about the app."),
        Key("tools", .named("tool name → {handler, description, inputSchema, …}", mcpTool), "The tools."),
    ]

    static let mcpTool: [Key] = [
        Key("handler", .string, default: "required", "The `.js` file: `module.exports = async (args, ctx) => value`."),
        Key("description", .string, default: "required", "What the tool does, for the agent."),
        Key("title", .string, "A display name."),
        Key(
            "inputSchema",
            .anyObject("JSON Schema"),
            default: "no arguments",
            "Arguments, checked before the handler runs."
        ),
        Key("outputSchema", .anyObject("JSON Schema"), "What the handler returns."),
        Key("annotations", .anyObject("readOnlyHint, destructiveHint, …"), "Hints for clients."),
        Key(
            "auth",
            .choice(["token", "public"]),
            default: "\"token\"",
            "`token`: a token with app-tools:call for the app."
        ),
    ]

    static let cors: [Key] = [
        Key("origins", .stringOrStrings, default: "[\"*\"]", "Allowed origins; `*` is any."),
        Key("methods", .stringOrStrings, default: "all", "Allowed methods."),
        Key("headers", .stringOrStrings, default: "what the preflight asks", "Allowed request headers."),
        Key("credentials", .boolean, default: "false", "Allow cookies (needs explicit origins)."),
        Key("maxAge", .integer(minimum: 0), default: "600", "Preflight cache time in seconds."),
    ]

    static let limits: [Key] = [
        Key("timeoutMs", .integer(minimum: 1), default: "the server's", "Wall-clock limit of HTTP handlers in ms."),
        Key("memoryMB", .integer(minimum: 1), default: "the server's", "Worker memory cap while this app runs, in MB."),
    ]

    static let schedule: [Key] = [
        Key("name", .string, default: "required", "Unique within the app."),
        Key("cron", .string, default: "required", "Five fields, or `@hourly`, `@daily`, …"),
        Key("handler", .string, default: "required", "The `.js` file exporting `scheduled(state, job)`."),
        Key("tz", .string, default: "\"UTC\"", "IANA time zone of the cron expression."),
        Key("overlap", .choice(["skip", "queue"]), default: "\"skip\"", "A run still going when the next is due."),
        Key("misfire", .choice(["run-once", "skip"]), default: "\"run-once\"", "Runs missed while down."),
        Key("retries", .integer(minimum: 0), default: "0", "Retries of a failed run (0…20)."),
        Key("timeoutMs", .integer(minimum: 1), default: "the server's", "Time limit of a run (≤ 900000)."),
    ]

    static let webhook: [Key] = [
        Key("secret", .string, default: "required unless unsigned", "Name of the owner secret (`fazt secret set`)."),
        Key(
            "signature",
            .choice(["hmac-sha256", "github", "stripe", "none"]),
            default: "\"hmac-sha256\"",
            "How requests are signed."
        ),
    ]

    static let realtime: [Key] = [
        Key(
            "origins",
            .stringOrStrings,
            default: "the app's own origin",
            "Origins allowed to open a socket (`scheme://host[:port]`); `*` is any."
        ),
        Key("requireOrigin", .boolean, default: "false", "Refuse handshakes without an `Origin` header."),
        Key(
            "channels",
            .named("channel pattern → {publish, presence, history, historySeconds, auth}", channel),
            default: "{}",
            "Channel rules; `*` matches any run of characters, the most specific pattern wins."
        ),
        Key("handler", .string, default: "\"api/_socket.js\" when it exists", "The socket event handler file."),
        Key("deflate", .boolean, default: "false", "Offer permessage-deflate compression."),
    ]

    static let channel: [Key] = [
        Key("publish", .boolean, default: "false", "Clients may publish (otherwise only the app's code)."),
        Key("presence", .boolean, default: "false", "Join/leave messages and the presence list."),
        Key("history", .integer(minimum: 0), default: "100", "Messages kept for recovery (0…10000)."),
        Key("historySeconds", .integer(minimum: 1), default: "120", "Seconds a message stays recoverable (1…86400)."),
        Key(
            "auth",
            .choice(["none", "token"]),
            default: "\"none\"",
            "`token`: subscribing needs a connection token naming the channel."
        ),
    ]

    static let assistant: [Key] = [
        Key("title", .string, default: "\"Assistant\"", "The widget's title (a page's `data-title` wins)."),
        Key("greeting", .string, default: "none", "The first message a visitor sees."),
        Key(
            "origins",
            .strings,
            default: "[]",
            "Exact origins (`scheme://host[:port]`) of the websites that may embed the widget."
        ),
        Key("systemPrompt", .string, default: "a short helpful-assistant prompt", "What the model is told first."),
        Key("model", .string, default: "the default model alias", "Model alias (or `provider:model`) for answers."),
        Key(
            "embeddingModel",
            .string,
            default: "none: keyword ranking",
            "Model alias that embeds `private/knowledge/` for grounding."
        ),
        Key("rateLimits", .object(assistantRateLimits), "Messages a visitor may send."),
        Key(
            "identitySecret",
            .string,
            default: "none",
            "Env key (`fazt env set`) holding the HMAC secret of verified visitor identities."
        ),
        Key("requireIdentity", .boolean, default: "false", "Refuse visitors without a verified identity."),
        Key(
            "handoffKeywords",
            .strings,
            default: "\"human\", \"person\", \"agent\", …",
            "Words in a visitor's message that ask for a person."
        ),
        Key(
            "historyMessages",
            .integer(minimum: 1),
            default: "20",
            "Earlier messages sent to the model with each question."
        ),
    ]

    static let assistantRateLimits: [Key] = [
        Key("perIpPerMinute", .integer(minimum: 1), default: "20", "Messages per minute from one client address."),
        Key(
            "perConversationPerMinute",
            .integer(minimum: 1),
            default: "10",
            "Messages per minute in one conversation."
        ),
    ]

    /// Names often written instead of a key (checked before edit distance).
    static let commonMistakes: [String: String] = [
        "schedule": "schedules", "cron": "schedules", "crons": "schedules", "jobs": "schedules",
        "environment": "env", "envs": "env", "vars": "env", "timeout": "limits", "memory": "limits",
        "hooks": "webhooks", "webhook": "webhooks", "subscriptions": "events", "on": "events",
        "permission": "permissions", "grants": "permissions", "private": "access", "origin": "origins",
        "method": "methods", "header": "headers", "credential": "credentials", "max_age": "maxAge",
        "timeout_ms": "timeoutMs", "memory_mb": "memoryMB", "timezone": "tz", "handlers": "handler",
        "retry": "retries", "secretName": "secret", "algorithm": "signature",
        "websocket": "realtime", "websockets": "realtime", "sockets": "realtime", "ws": "realtime",
        "channel": "channels", "rooms": "channels", "compression": "deflate", "permessageDeflate": "deflate",
        "bot": "assistant", "chat": "assistant", "widget": "assistant", "prompt": "systemPrompt",
        "system": "systemPrompt", "rateLimit": "rateLimits",
    ]

    /// The listed key closest to `key` (a known mistake, a case slip, or within a small edit distance).
    static func suggestion(for key: String, among names: [String]) -> String? {
        if let known = commonMistakes[key], names.contains(known) { return known }
        if let sameCase = names.first(where: { $0.lowercased() == key.lowercased() }) { return sameCase }
        let limit = max(1, min(3, key.count / 3))
        let ranked = names.map { ($0, distance(key.lowercased(), $0.lowercased())) }.filter { $0.1 <= limit }
        return ranked.min(by: { $0.1 < $1.1 })?.0
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }

    static func either(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + (items.last ?? "")
    }
}

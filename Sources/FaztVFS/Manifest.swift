import FaztJSON
import FaztNet

/// The parts of an app's `fazt.json` that the VFS and static server use.
public struct Manifest: Sendable, Equatable {
    /// The app name the manifest asks for (used by `fazt deploy` when `--app` is not given).
    public var name: String?
    /// Serve `index.html` for extension-less paths that match no file.
    public var spa: Bool = false
    /// CORS for `/api/*` (nil: the default, any origin without credentials).
    public var cors: CORSOptions?
    /// Wall-clock limit of this app's HTTP handlers in ms (capped by the server's limit).
    public var timeoutMs: Int?
    /// Worker memory cap while this app's code runs, in MB (capped by the server's limit).
    public var memoryMB: Int?
    /// Who may use the app: `.public` (default) or `.owner` (the owner's token or session on every path).
    public var access: Access = .public
    /// Send exception text, `where` and stack to clients in a 500 (default: only a run id).
    public var debug = false
    /// WebSockets at `/_ws`: allowed origins, channel rules, the socket event handler.
    public var realtime = RealtimeOptions()
    /// The manifest has an `"assistant"` object (an app made from the assistant template).
    public var assistant = false
    /// The app's own MCP tools (`"mcp"`), nil when it declares none.
    public var mcp: AppMCPManifest?
    /// The hosts the app's `fetch` may reach (`"egress"`); nil: any public host.
    public var egress: HostAllowlist?

    /// The manifest's `access` value.
    public enum Access: String, Sendable, Equatable {
        case `public`
        case owner
    }

    /// Inbound webhooks that verify signatures (`"webhooks": {"<name>": {"secret", "signature"}}`).
    public var webhooks: [String: Webhook] = [:]

    /// One entry of `"webhooks"`.
    public struct Webhook: Sendable, Equatable {
        /// The owner secret (`fazt secret set`) that signs requests; nil for `"signature": "none"`.
        public var secret: String?
        /// `hmac-sha256` (header `X-Signature`), `github` (`X-Hub-Signature-256`), `stripe`
        /// (`Stripe-Signature`) or `none` (unsigned: anyone may post).
        public var signature: String
    }

    /// The manifest's `cors` object.
    public struct CORSOptions: Sendable, Equatable {
        /// Allowed origins; `["*"]` means any.
        public var origins: [String] = ["*"]
        public var methods: [String] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        /// Allowed request headers; nil allows whatever the preflight asks for.
        public var headers: [String]?
        public var credentials = false
        public var maxAge = 600

        public init() {}
    }

    public init(name: String? = nil, spa: Bool = false) {
        self.name = name
        self.spa = spa
    }

    /// Parses manifest JSON; throws `badManifest` naming the line and column of invalid JSON, an
    /// unknown key (with the closest known one) or a value of the wrong type.
    ///
    /// `strict: false` skips the unknown-key check: for manifests stored by earlier versions,
    /// which must keep their settings (an `access: owner` app must not turn public).
    public static func parse(_ data: [UInt8], strict: Bool = true) throws(VFSError) -> Manifest {
        let root = try ManifestJSON.parse(data)
        guard case .object = root else { throw VFSError(.badManifest, "fazt.json must be a JSON object") }
        if strict { try ManifestSchema.check(root) }
        func value(_ key: String, in object: JSONValue = root) -> JSONValue? {
            guard let found = object[key], found != .null else { return nil }
            return found
        }
        func wrong(_ path: String, _ expectation: String) -> VFSError {
            VFSError(.badManifest, "fazt.json: \"\(path)\" must be \(expectation)")
        }
        var manifest = Manifest()
        if let name = value("name") {
            guard case .string(let text) = name else { throw wrong("name", "a string") }
            manifest.name = text
        }
        if let spa = value("spa") {
            guard case .bool(let flag) = spa else { throw wrong("spa", "true or false") }
            manifest.spa = flag
        }
        if let cors = value("cors") {
            manifest.cors = try parseCORS(cors)
        }
        if let hooks = value("webhooks") {
            manifest.webhooks = try parseWebhooks(hooks)
        }
        if let access = value("access") {
            guard case .string(let text) = access, let level = Access(rawValue: text) else {
                throw wrong("access", "\"public\" or \"owner\"")
            }
            manifest.access = level
        }
        if let debug = value("debug") {
            guard case .bool(let flag) = debug else { throw wrong("debug", "true or false") }
            manifest.debug = flag
        }
        if let realtime = value("realtime") {
            manifest.realtime = try parseRealtime(realtime)
        }
        if let mcp = value("mcp") {
            manifest.mcp = try parseMCP(mcp)
        }
        if let egress = value("egress") {
            manifest.egress = try parseEgress(egress)
        }
        if let assistant = value("assistant") {
            try checkAssistant(assistant)
            manifest.assistant = true
        }
        if let limits = value("limits") {
            guard case .object = limits else { throw wrong("limits", "an object") }
            if let timeout = value("timeoutMs", in: limits) {
                guard case .number(let number) = timeout, number >= 1, number <= 1e9 else {
                    throw wrong("limits.timeoutMs", "a positive whole number")
                }
                manifest.timeoutMs = Int(number)
            }
            if let memory = value("memoryMB", in: limits) {
                guard case .number(let number) = memory, number >= 1, number <= 1e9 else {
                    throw wrong("limits.memoryMB", "a positive whole number")
                }
                manifest.memoryMB = Int(number)
            }
        }
        return manifest
    }

    /// `"egress"`: a list of at most 100 host patterns (`api.github.com`, `*.slack.com`).
    static func parseEgress(_ value: JSONValue) throws(VFSError) -> HostAllowlist {
        guard case .array(let items) = value else {
            throw VFSError(
                .badManifest,
                "fazt.json: \"egress\" must be a list of host names such as \"api.github.com\""
            )
        }
        guard items.count <= HostAllowlist.maxEntries else {
            throw VFSError(
                .badManifest,
                "fazt.json: \"egress\" has \(items.count) entries; at most \(HostAllowlist.maxEntries) are allowed"
            )
        }
        var patterns: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                throw VFSError(.badManifest, "fazt.json: \"egress[\(index)]\" must be a string (a host name)")
            }
            if let problem = HostAllowlist.problem(with: text) {
                throw VFSError(.badManifest, "fazt.json: egress entry \"\(text)\" \(problem)")
            }
            patterns.append(text)
        }
        return HostAllowlist(patterns)
    }

    /// Webhook names: `[A-Za-z0-9_-]{1,64}`.
    public static func isWebhookName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy {
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 45
            }
    }

    private static func parseWebhooks(_ value: JSONValue) throws(VFSError) -> [String: Webhook] {
        guard case .object(let members) = value else {
            throw VFSError(.badManifest, "fazt.json: \"webhooks\" must be an object of name → {secret, signature}")
        }
        var hooks: [String: Webhook] = [:]
        for (name, options) in members {
            guard isWebhookName(name) else {
                throw VFSError(
                    .badManifest,
                    "fazt.json: webhook name \"\(name)\" must be 1-64 letters, digits, '_' or '-'"
                )
            }
            guard case .object = options else {
                throw VFSError(.badManifest, "fazt.json: webhooks.\(name) must be an object {secret, signature}")
            }
            var signature = "hmac-sha256"
            if let given = options["signature"], given != .null {
                if case .string(let text) = given { signature = text } else { signature = "" }
            }
            guard ["hmac-sha256", "github", "stripe", "none"].contains(signature) else {
                throw VFSError(
                    .badManifest,
                    "fazt.json: webhooks.\(name).signature must be \"hmac-sha256\", \"github\", \"stripe\" or \"none\""
                )
            }
            if signature == "none" {
                hooks[name] = Webhook(secret: nil, signature: signature)
                continue
            }
            guard case .string(let secret)? = options["secret"], !secret.isEmpty else {
                throw VFSError(
                    .badManifest,
                    "fazt.json: webhooks.\(name) needs \"secret\": the name of a secret set with 'fazt secret set' (or \"signature\": \"none\" for an unsigned hook)"
                )
            }
            hooks[name] = Webhook(secret: secret, signature: signature)
        }
        return hooks
    }

    private static func parseCORS(_ object: JSONValue) throws(VFSError) -> CORSOptions {
        guard case .object = object else {
            throw VFSError(.badManifest, "fazt.json: \"cors\" must be an object")
        }
        func strings(_ key: String) throws(VFSError) -> [String]? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let single)?: return [single]
            case .array(let items)?:
                var list: [String] = []
                for item in items {
                    guard case .string(let text) = item else { throw stringsError(key) }
                    list.append(text)
                }
                return list
            default: throw stringsError(key)
            }
        }
        func stringsError(_ key: String) -> VFSError {
            VFSError(.badManifest, "fazt.json: \"cors.\(key)\" must be a string or a list of strings")
        }
        var options = CORSOptions()
        if let origins = try strings("origins") { options.origins = origins }
        if let methods = try strings("methods") { options.methods = methods.map { $0.uppercased() } }
        options.headers = try strings("headers")
        if let credentials = object["credentials"], credentials != .null {
            guard case .bool(let flag) = credentials else {
                throw VFSError(.badManifest, "fazt.json: \"cors.credentials\" must be true or false")
            }
            options.credentials = flag
        }
        if let maxAge = object["maxAge"], maxAge != .null {
            guard case .number(let seconds) = maxAge, seconds >= 0, seconds <= 1e9 else {
                throw VFSError(.badManifest, "fazt.json: \"cors.maxAge\" must be a number of seconds")
            }
            options.maxAge = Int(seconds)
        }
        return options
    }
}

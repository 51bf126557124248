import Foundation

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
    /// Worker RSS cap while this app's code runs, in MB (capped by the server's limit).
    public var memoryMB: Int?
    /// Who may use the app: `.public` (default) or `.owner` (the owner's token or session on every path).
    public var access: Access = .public
    /// Send exception text, `where` and stack to clients in a 500 (default: only a run id).
    public var debug = false

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

    /// Parses manifest JSON; throws `badManifest` with the parser's complaint.
    public static func parse(_ data: [UInt8]) throws(VFSError) -> Manifest {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(data))
        } catch {
            throw VFSError(.badManifest, "fazt.json is not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw VFSError(.badManifest, "fazt.json must be a JSON object")
        }
        var manifest = Manifest()
        if let name = dictionary["name"] {
            guard let name = name as? String else {
                throw VFSError(.badManifest, "fazt.json: \"name\" must be a string")
            }
            manifest.name = name
        }
        if let spa = dictionary["spa"] {
            guard let spa = spa as? Bool else {
                throw VFSError(.badManifest, "fazt.json: \"spa\" must be true or false")
            }
            manifest.spa = spa
        }
        if let cors = dictionary["cors"] {
            manifest.cors = try parseCORS(cors)
        }
        if let hooks = dictionary["webhooks"] {
            manifest.webhooks = try parseWebhooks(hooks)
        }
        if let access = dictionary["access"] {
            guard let text = access as? String, let value = Access(rawValue: text) else {
                throw VFSError(.badManifest, "fazt.json: \"access\" must be \"public\" or \"owner\"")
            }
            manifest.access = value
        }
        if let debug = dictionary["debug"] {
            guard let flag = debug as? Bool else {
                throw VFSError(.badManifest, "fazt.json: \"debug\" must be true or false")
            }
            manifest.debug = flag
        }
        if let limits = dictionary["limits"] {
            guard let limits = limits as? [String: Any] else {
                throw VFSError(.badManifest, "fazt.json: \"limits\" must be an object")
            }
            if let timeout = limits["timeoutMs"] {
                guard let value = timeout as? Int, value > 0 else {
                    throw VFSError(.badManifest, "fazt.json: \"limits.timeoutMs\" must be a positive number")
                }
                manifest.timeoutMs = value
            }
            if let memory = limits["memoryMB"] {
                guard let value = memory as? Int, value > 0 else {
                    throw VFSError(.badManifest, "fazt.json: \"limits.memoryMB\" must be a positive number")
                }
                manifest.memoryMB = value
            }
        }
        return manifest
    }

    /// Webhook names: `[A-Za-z0-9_-]{1,64}`.
    public static func isWebhookName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy {
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 45
            }
    }

    private static func parseWebhooks(_ value: Any) throws(VFSError) -> [String: Webhook] {
        guard let object = value as? [String: Any] else {
            throw VFSError(.badManifest, "fazt.json: \"webhooks\" must be an object of name → {secret, signature}")
        }
        var hooks: [String: Webhook] = [:]
        for (name, entry) in object {
            guard isWebhookName(name) else {
                throw VFSError(
                    .badManifest,
                    "fazt.json: webhook name \"\(name)\" must be 1-64 letters, digits, '_' or '-'"
                )
            }
            guard let options = entry as? [String: Any] else {
                throw VFSError(.badManifest, "fazt.json: webhooks.\(name) must be an object {secret, signature}")
            }
            let signature = options["signature"] as? String ?? "hmac-sha256"
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
            guard let secret = options["secret"] as? String, !secret.isEmpty else {
                throw VFSError(
                    .badManifest,
                    "fazt.json: webhooks.\(name) needs \"secret\": the name of a secret set with 'fazt secret set' (or \"signature\": \"none\" for an unsigned hook)"
                )
            }
            hooks[name] = Webhook(secret: secret, signature: signature)
        }
        return hooks
    }

    private static func parseCORS(_ value: Any) throws(VFSError) -> CORSOptions {
        guard let object = value as? [String: Any] else {
            throw VFSError(.badManifest, "fazt.json: \"cors\" must be an object")
        }
        func strings(_ key: String) throws(VFSError) -> [String]? {
            guard let raw = object[key] else { return nil }
            if let single = raw as? String { return [single] }
            guard let list = raw as? [String] else {
                throw VFSError(.badManifest, "fazt.json: \"cors.\(key)\" must be a string or a list of strings")
            }
            return list
        }
        var options = CORSOptions()
        if let origins = try strings("origins") { options.origins = origins }
        if let methods = try strings("methods") { options.methods = methods.map { $0.uppercased() } }
        options.headers = try strings("headers")
        if let credentials = object["credentials"] {
            guard let flag = credentials as? Bool else {
                throw VFSError(.badManifest, "fazt.json: \"cors.credentials\" must be true or false")
            }
            options.credentials = flag
        }
        if let maxAge = object["maxAge"] {
            guard let seconds = maxAge as? Int, seconds >= 0 else {
                throw VFSError(.badManifest, "fazt.json: \"cors.maxAge\" must be a number of seconds")
            }
            options.maxAge = seconds
        }
        return options
    }
}

import Foundation

// The control API's JSON shapes, shared by the server and the CLI (one definition per contract).
// Bodies that show a domain record (`AppBody`, `VersionBody`, `RunBody`, `NotificationBody`) have
// their own files; FaztServer builds them from the records (`APIModels+Domain.swift`).

/// JSON body of every control API error.
public struct ErrorBody: Codable, Sendable {
    /// The error's stable code and human message.
    public struct Detail: Codable, Sendable {
        public var code: String
        public var message: String

        /// Creates a detail.
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var error: Detail

    /// Creates an error body.
    public init(error: Detail) { self.error = error }
}

/// `POST /apps/{name}/rollback` request.
public struct RollbackBody: Codable, Sendable {
    public var version: Int

    /// Creates a rollback request.
    public init(version: Int) { self.version = version }
}

/// An app's storage use: `bytes` in total and per store, and its quota.
public struct StorageBody: Codable, Sendable {
    public var bytes: Int64
    public var kv: Int64
    public var docs: Int64
    public var sql: Int64
    public var blobs: Int64
    /// Persisted events (webhooks, `persist: true`, system events about the app).
    public var events: Int64?
    public var quota: Int64

    /// Creates a storage body.
    public init(bytes: Int64, kv: Int64, docs: Int64, sql: Int64, blobs: Int64, events: Int64?, quota: Int64) {
        self.bytes = bytes
        self.kv = kv
        self.docs = docs
        self.sql = sql
        self.blobs = blobs
        self.events = events
        self.quota = quota
    }
}

/// `PUT /apps/{name}/quota`: the app's own storage quota in bytes (null: back to the default).
public struct QuotaBody: Codable, Sendable {
    public var app: String?
    public var bytes: Int64?

    /// Creates a quota body.
    public init(app: String? = nil, bytes: Int64?) {
        self.app = app
        self.bytes = bytes
    }
}

/// `GET /apps/{name}/env`.
public struct EnvList: Codable, Sendable {
    public var app: String
    public var env: [String: String]

    /// Creates an env list.
    public init(app: String, env: [String: String]) {
        self.app = app
        self.env = env
    }
}

/// `PUT /apps/{name}/env/{key}` request.
public struct EnvValue: Codable, Sendable {
    public var value: String

    /// Creates an env value.
    public init(value: String) { self.value = value }
}

/// `PUT /apps/{name}/secrets/{secret}` and `PUT /secrets/{secret}` (global) request.
public struct SecretValue: Codable, Sendable {
    public var value: String
    /// Bind the secret to these hosts (as in a manifest's `egress`); nil or empty: unbound.
    public var hosts: [String]?
    /// Let `fazt.secrets.get` return it to JavaScript.
    public var readable: Bool?

    /// Creates a secret value.
    public init(value: String, hosts: [String]? = nil, readable: Bool? = nil) {
        self.value = value
        self.hosts = hosts
        self.readable = readable
    }
}

/// `GET /apps/{name}/secrets`: names and when they were set, never values.
public struct SecretList: Codable, Sendable {
    /// One secret's name and when it was set.
    public struct Item: Codable, Sendable {
        public var name: String
        public var updatedAt: Int64
        /// The hosts it may be sent to; nil: any host the app may reach.
        public var hosts: [String]?
        /// Whether `fazt.secrets.get` returns it to JavaScript.
        public var readable: Bool?

        /// Creates an item.
        public init(name: String, updatedAt: Int64, hosts: [String]? = nil, readable: Bool = false) {
            self.name = name
            self.updatedAt = updatedAt
            self.hosts = hosts
            self.readable = readable
        }
    }

    public var app: String
    public var secrets: [Item]

    /// Creates a secret list.
    public init(app: String, secrets: [Item]) {
        self.app = app
        self.secrets = secrets
    }
}

/// `GET /apps/{name}/grants`.
public struct GrantList: Codable, Sendable {
    public var app: String
    public var grants: [String]

    /// Creates a grant list.
    public init(app: String, grants: [String]) {
        self.app = app
        self.grants = grants
    }
}

/// `POST /apps/{name}/deploy` → 201.
public struct DeployBody: Codable, Sendable {
    public var app: String
    public var version: Int
    public var files: Int
    public var bytes: Int
    public var url: String
    /// What the deploy set up and what still needs the owner (nil from servers before it).
    public var summary: DeploySummary?
    /// Whether the version went live (draft commits; absent from plain deploys, which always do).
    public var live: Bool?

    /// Creates a deploy answer.
    public init(
        app: String,
        version: Int,
        files: Int,
        bytes: Int,
        url: String,
        summary: DeploySummary?,
        live: Bool? = nil
    ) {
        self.app = app
        self.version = version
        self.files = files
        self.bytes = bytes
        self.url = url
        self.summary = summary
        self.live = live
    }
}

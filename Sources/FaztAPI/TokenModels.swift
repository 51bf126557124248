import Foundation

/// A token as listed (the secret itself is never stored, only its SHA-256).
///
/// Owner tokens have no `scopes` (they may do everything); scoped tokens carry their scopes, the
/// apps they reach (`["*"]` for every app) and an expiry.
public struct TokenInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// Milliseconds since 1970.
    public var createdAt: Int64
    /// The apps a scoped token reaches (`*` for all); nil for owner tokens.
    public var apps: [String]?
    /// The scopes of a scoped token; nil for owner tokens.
    public var scopes: [String]?
    /// When it stops working (ms since 1970); nil for never.
    public var expiresAt: Int64?
    /// When it was last accepted (ms since 1970, updated at most once a minute); nil for never.
    public var lastUsedAt: Int64?

    /// Creates a token listing entry.
    public init(
        id: String,
        name: String,
        createdAt: Int64,
        apps: [String]? = nil,
        scopes: [String]? = nil,
        expiresAt: Int64? = nil,
        lastUsedAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.apps = apps
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }

    /// True for owner tokens (no scopes: everything allowed).
    public var isOwner: Bool { scopes == nil }
}

/// `GET /tokens`.
public struct TokenList: Codable, Sendable {
    public var tokens: [TokenInfo]

    /// Creates a token list.
    public init(tokens: [TokenInfo]) { self.tokens = tokens }
}

/// `POST /tokens` request: no `scopes` and no `preset` makes an owner token.
public struct TokenRequest: Codable, Sendable {
    public var name: String?
    /// Apps the token reaches (`["*"]` for all); required with scopes.
    public var apps: [String]?
    /// Scope names (`apps:read`, …).
    public var scopes: [String]?
    /// `read`, `build` or `ship`, added to `scopes`.
    public var preset: String?
    /// Lifetime in seconds (scoped tokens: default 7 days, at most 90 days).
    public var expiresIn: Int?

    /// Creates a token request.
    public init(
        name: String?,
        apps: [String]? = nil,
        scopes: [String]? = nil,
        preset: String? = nil,
        expiresIn: Int? = nil
    ) {
        self.name = name
        self.apps = apps
        self.scopes = scopes
        self.preset = preset
        self.expiresIn = expiresIn
    }
}

/// `POST /tokens` → 201 (the only time a secret is shown).
public struct CreatedToken: Codable, Sendable {
    public var id: String
    public var name: String
    public var token: String
    public var apps: [String]?
    public var scopes: [String]?
    public var expiresAt: Int64?

    /// Creates a created-token answer.
    public init(
        id: String,
        name: String,
        token: String,
        apps: [String]? = nil,
        scopes: [String]? = nil,
        expiresAt: Int64? = nil
    ) {
        self.id = id
        self.name = name
        self.token = token
        self.apps = apps
        self.scopes = scopes
        self.expiresAt = expiresAt
    }
}

/// One stored app log line.
public struct LogEntry: Codable, Sendable {
    public var id: Int64
    /// Milliseconds since 1970.
    public var at: Int64
    public var level: String
    public var message: String

    /// Creates a log entry.
    public init(id: Int64, at: Int64, level: String, message: String) {
        self.id = id
        self.at = at
        self.level = level
        self.message = message
    }
}

/// `GET /apps/{name}/logs`.
public struct LogList: Codable, Sendable {
    public var app: String
    public var logs: [LogEntry]

    /// Creates a log list.
    public init(app: String, logs: [LogEntry]) {
        self.app = app
        self.logs = logs
    }
}

/// `GET /notify/channels` entry.
public struct ChannelInfo: Codable, Sendable {
    public var name: String
    public var type: String
    public var createdAt: Int64

    /// Creates a channel entry.
    public init(name: String, type: String, createdAt: Int64) {
        self.name = name
        self.type = type
        self.createdAt = createdAt
    }
}

/// `GET /notify/channels`.
public struct ChannelList: Codable, Sendable {
    public var channels: [ChannelInfo]

    /// Creates a channel list.
    public init(channels: [ChannelInfo]) { self.channels = channels }
}

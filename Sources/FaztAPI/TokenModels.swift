import Foundation

/// An owner token as listed (the secret itself is never stored, only its SHA-256).
public struct TokenInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// Milliseconds since 1970.
    public var createdAt: Int64

    /// Creates a token listing entry.
    public init(id: String, name: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// `GET /tokens`.
public struct TokenList: Codable, Sendable {
    public var tokens: [TokenInfo]

    /// Creates a token list.
    public init(tokens: [TokenInfo]) { self.tokens = tokens }
}

/// `POST /tokens` request.
public struct TokenRequest: Codable, Sendable {
    public var name: String?

    /// Creates a token request.
    public init(name: String?) { self.name = name }
}

/// `POST /tokens` → 201 (the only time a secret is shown).
public struct CreatedToken: Codable, Sendable {
    public var id: String
    public var name: String
    public var token: String

    /// Creates a created-token answer.
    public init(id: String, name: String, token: String) {
        self.id = id
        self.name = name
        self.token = token
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

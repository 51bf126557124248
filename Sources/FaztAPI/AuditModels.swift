import Foundation

/// One audit row: who did what, on which app, with which arguments (hashed), how it ended.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64
    /// Milliseconds since 1970.
    public var at: Int64
    /// The token's name.
    public var token: String
    /// `mcp:<tool>` for an MCP tool call, `<METHOD> <route>` for a control API write.
    public var action: String
    public var app: String?
    /// SHA-256 (hex) of the arguments, so identical calls can be matched without storing them.
    public var argsHash: String
    /// `ok`, `error: …`, `denied: …`, `pending_approval`.
    public var outcome: String
    public var durationMs: Int64

    public init(
        id: Int64,
        at: Int64,
        token: String,
        action: String,
        app: String?,
        argsHash: String,
        outcome: String,
        durationMs: Int64
    ) {
        self.id = id
        self.at = at
        self.token = token
        self.action = action
        self.app = app
        self.argsHash = argsHash
        self.outcome = outcome
        self.durationMs = durationMs
    }
}

/// `GET /_fazt/api/v1/audit`: newest first.
public struct AuditList: Codable, Sendable {
    public var entries: [AuditEntry]
    public init(entries: [AuditEntry]) { self.entries = entries }
}

/// An irreversible step an agent asked for, waiting for the owner.
public struct ApprovalBody: Codable, Sendable, Equatable {
    public var id: String
    public var createdAt: Int64
    /// The name of the token that asked.
    public var token: String
    public var app: String
    /// The tool (`data_restore`).
    public var action: String
    /// The tool's arguments as JSON text.
    public var arguments: String
    /// `pending`, `approved` (and carried out), `failed`.
    public var status: String
    public var decidedAt: Int64?
    /// What carrying it out answered (JSON text), once approved.
    public var result: String?

    public init(
        id: String,
        createdAt: Int64,
        token: String,
        app: String,
        action: String,
        arguments: String,
        status: String,
        decidedAt: Int64? = nil,
        result: String? = nil
    ) {
        self.id = id
        self.createdAt = createdAt
        self.token = token
        self.app = app
        self.action = action
        self.arguments = arguments
        self.status = status
        self.decidedAt = decidedAt
        self.result = result
    }
}

/// `GET /_fazt/api/v1/approvals`.
public struct ApprovalList: Codable, Sendable {
    public var approvals: [ApprovalBody]
    public init(approvals: [ApprovalBody]) { self.approvals = approvals }
}

import FaztAPI
import FaztStore

/// Irreversible steps an agent asked for, held until the owner approves them (`fazt approve ID`
/// or the link the agent was given); a human decides, never the model.
public final class Approvals: Sendable {
    private let store: Store

    public init(store: Store) { self.store = store }

    private static let columns = "id, created_at, token, app, action, arguments, status, decided_at, result"

    private static func body(_ row: Row) -> ApprovalBody {
        ApprovalBody(
            id: row.string(0),
            createdAt: row.int64(1),
            token: row.string(2),
            app: row.string(3),
            action: row.string(4),
            arguments: row.string(5),
            status: row.string(6),
            decidedAt: row.isNull(7) ? nil : row.int64(7),
            result: row.optionalString(8)
        )
    }

    /// Records a pending request and returns it (its id is random: the link names it).
    public func request(token: String, app: String, action: String, arguments: String) async throws -> ApprovalBody {
        let body = ApprovalBody(
            id: "apr_" + Tokens.randomHex(bytes: 12),
            createdAt: WallClock.nowMilliseconds(),
            token: token,
            app: app,
            action: action,
            arguments: arguments,
            status: "pending"
        )
        _ = try await store.write { connection in
            try connection.run(
                """
                INSERT INTO approvals (id, created_at, token, app, action, arguments, status)
                VALUES (?, ?, ?, ?, ?, ?, 'pending')
                """,
                [.text(body.id), .integer(body.createdAt), .text(token), .text(app), .text(action), .text(arguments)]
            )
        }
        return body
    }

    /// The request with `id`, or nil.
    public func get(_ id: String) throws -> ApprovalBody? {
        try store.read { connection in
            try connection.queryOne("SELECT \(Self.columns) FROM approvals WHERE id = ?", [.text(id)], Self.body)
        }
    }

    /// Requests of `app` (every app when nil), newest first.
    public func list(app: String?, limit: Int = 100) throws -> [ApprovalBody] {
        try store.read { connection in
            if let app {
                return try connection.query(
                    "SELECT \(Self.columns) FROM approvals WHERE app = ? ORDER BY created_at DESC LIMIT ?",
                    [.text(app), .int(limit)],
                    Self.body
                )
            }
            return try connection.query(
                "SELECT \(Self.columns) FROM approvals ORDER BY created_at DESC LIMIT ?",
                [.int(limit)],
                Self.body
            )
        }
    }

    /// Moves a pending request to `approved` (false when it is not pending: decided once only).
    public func claim(_ id: String) async throws -> Bool {
        let now = WallClock.nowMilliseconds()
        return try await store.write { connection in
            try connection.run(
                "UPDATE approvals SET status = 'running', decided_at = ? WHERE id = ? AND status = 'pending'",
                [.integer(now), .text(id)]
            ) > 0
        }
    }

    /// Records how carrying out an approved request ended (`approved` or `failed`).
    public func finish(_ id: String, status: String, result: String) async throws {
        _ = try await store.write { connection in
            try connection.run(
                "UPDATE approvals SET status = ?, result = ? WHERE id = ?",
                [.text(status), .text(result), .text(id)]
            )
        }
    }
}

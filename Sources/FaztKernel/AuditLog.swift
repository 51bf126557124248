import FaztAPI
import FaztStore
import FaztVFS

/// The audit trail in `data.db`: one row per MCP tool call and per scoped-token control API write.
///
/// Arguments are never stored, only their SHA-256, so secrets an agent passes stay out of it.
public final class AuditLog: Sendable {
    /// Rows kept (oldest dropped first).
    static let keep = 100_000

    private let store: Store

    public init(store: Store) { self.store = store }

    /// The hex SHA-256 of `arguments` (the JSON text of a call's arguments, or a route's body).
    public static func hash(_ arguments: [UInt8]) -> String { ContentHash(of: arguments).hex }

    /// Appends a row; returns once it is committed (visible to readers), not waiting for the
    /// group commit's fsync, which follows within milliseconds: an audit row must exist before the
    /// answer leaves, but it is no client data to be acknowledged.
    public func record(
        token: String,
        action: String,
        app: String?,
        argsHash: String,
        outcome: String,
        durationMs: Int64
    ) async throws {
        let now = WallClock.nowMilliseconds()
        let outcome = String(outcome.prefix(500))
        let store = self.store
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            store.apply(
                { connection in
                    try connection.run(
                        """
                        INSERT INTO audit (at, token, action, app, args_hash, outcome, duration_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .integer(now), .text(token), .text(action), app.map { .text($0) } ?? .null, .text(argsHash),
                            .text(outcome), .integer(durationMs),
                        ]
                    )
                    let id = connection.lastInsertRowID
                    if id % 1000 == 0 {
                        try connection.run("DELETE FROM audit WHERE id <= ?", [.integer(id - Int64(Self.keep))])
                    }
                },
                applied: { result, _ in continuation.resume(with: result.map { _ in () }) }
            )
        }
    }

    /// The newest `limit` rows, newest first; only `token`'s when given.
    public func list(token: String?, limit: Int) throws -> [AuditEntry] {
        try store.read { connection in
            let columns = "id, at, token, action, app, args_hash, outcome, duration_ms"
            let map: (Row) -> AuditEntry = {
                AuditEntry(
                    id: $0.int64(0),
                    at: $0.int64(1),
                    token: $0.string(2),
                    action: $0.string(3),
                    app: $0.optionalString(4),
                    argsHash: $0.string(5),
                    outcome: $0.string(6),
                    durationMs: $0.int64(7)
                )
            }
            if let token {
                return try connection.query(
                    "SELECT \(columns) FROM audit WHERE token = ? ORDER BY id DESC LIMIT ?",
                    [.text(token), .int(limit)],
                    map
                )
            }
            return try connection.query("SELECT \(columns) FROM audit ORDER BY id DESC LIMIT ?", [.int(limit)], map)
        }
    }
}

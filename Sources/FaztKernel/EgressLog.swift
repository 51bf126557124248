import FaztNet
import FaztStore

/// The record of apps' outbound calls (`egress_log`), the newest 1000 per app.
public struct EgressLog: Sendable {
    public static let keepPerApp = 1000
    let store: Store

    /// A log over `store`.
    public init(store: Store) { self.store = store }

    /// Appends a call and drops the app's entries beyond the newest `keepPerApp`.
    public func append(_ record: EgressRecord) async throws {
        _ = try await store.write { connection in
            try connection.run(
                "INSERT INTO egress_log (app, at, host, method, status, bytes, duration_ms, error) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(record.app), .integer(record.at), .text(record.host), .text(record.method),
                    .int(record.status), .int(record.bytes), .int(record.durationMs),
                    record.error.map { .text($0) } ?? .null,
                ]
            )
            try connection.run(
                "DELETE FROM egress_log WHERE app = ? AND id <= (SELECT id FROM egress_log WHERE app = ? "
                    + "ORDER BY id DESC LIMIT 1 OFFSET ?)",
                [.text(record.app), .text(record.app), .int(Self.keepPerApp)]
            )
        }
    }

    /// Deletes `app`'s records (in the transaction that deletes the app).
    public static func deleteAll(_ connection: Connection, app: String) throws {
        _ = try connection.run("DELETE FROM egress_log WHERE app = ?", [.text(app)])
    }

    /// The app's newest `limit` calls, newest first.
    public func list(app: String, limit: Int) throws -> [EgressRecord] {
        try store.read { connection in
            try connection.query(
                "SELECT at, host, method, status, bytes, duration_ms, error FROM egress_log WHERE app = ? "
                    + "ORDER BY id DESC LIMIT ?",
                [.text(app), .int(limit)]
            ) {
                EgressRecord(
                    app: app,
                    at: $0.int64(0),
                    host: $0.string(1),
                    method: $0.string(2),
                    status: $0.int(3),
                    bytes: $0.int(4),
                    durationMs: $0.int(5),
                    error: $0.optionalString(6)
                )
            }
        }
    }
}

/// `GET /apps/{name}/egress`: an app's newest outbound calls, newest first.
public struct EgressCallList: Codable, Sendable {
    public var app: String
    public var calls: [EgressRecord]

    public init(app: String, calls: [EgressRecord]) {
        self.app = app
        self.calls = calls
    }
}

import FaztStore

/// One recorded run: a job, cron or event delivery, or a failed HTTP invocation.
public struct Run: Sendable, Codable, Equatable {
    public var id: Int64 = 0
    public var app: String
    /// `job`, `cron`, `event`, `notify`, `http` or `socket` (`RunLog.kinds`).
    public var kind: String
    public var handler: String
    public var job: Int64?
    public var name: String?
    public var attempt: Int = 1
    /// Milliseconds since 1970.
    public var startedAt: Int64
    public var durationMs: Int64
    /// `ok`, `retry` (failed, will run again), `dead` (failed for the last time), `failed`
    /// (an HTTP invocation) or `skipped` (a misfire dropped at start).
    public var outcome: String
    public var error: String?
    /// Console output captured during the run (bounded).
    public var output: String?
    /// For jobs and cron runs: how long after it was due the run started, in milliseconds.
    public var lateMs: Int64?

    public init(app: String, kind: String, handler: String, startedAt: Int64, durationMs: Int64, outcome: String) {
        self.app = app
        self.kind = kind
        self.handler = handler
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.outcome = outcome
    }
}

/// The `runs` table: execution history, trimmed by count per app and by age.
public enum RunLog {
    /// Every run kind, as users see and filter them.
    public static let kinds = ["job", "cron", "event", "notify", "http", "socket", "ai"]

    /// A run kind as given by a user (`timer`, the jobs table's word, is an alias of `job`), or
    /// nil when it is none of `kinds`.
    public static func kind(named text: String) -> String? {
        let kind = kind(stored: text.lowercased())
        return kinds.contains(kind) ? kind : nil
    }

    /// The user-facing word for a stored job kind.
    static func kind(stored: String) -> String { stored == "timer" ? "job" : stored }

    /// The allowed kinds as a sentence: `job, cron, event, notify, http, socket or ai`.
    public static var kindList: String { kinds.dropLast().joined(separator: ", ") + " or " + kinds[kinds.count - 1] }

    /// Most bytes of console output kept per run.
    public static let maxOutputBytes = 8 << 10

    /// Records a run; every 64th run (by id) also trims the app's history to its newest `keep`.
    ///
    /// Trimming as runs are recorded keeps each step small (a handful of deletes through the
    /// `(app, id)` index) instead of a periodic scan of the whole table holding the writer.
    public static func record(_ connection: Connection, _ run: Run, keep: Int = 1000) throws {
        _ = try connection.run(
            """
            INSERT INTO runs (app, kind, handler, job, name, attempt, started_at, duration_ms, outcome, error, output, late_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(run.app), .text(run.kind), .text(run.handler), run.job.map { .integer($0) } ?? .null,
                run.name.map { .text($0) } ?? .null, .integer(Int64(run.attempt)), .integer(run.startedAt),
                .integer(run.durationMs), .text(run.outcome), run.error.map { .text(truncated($0, 4096)) } ?? .null,
                run.output.map { .text(truncated($0, maxOutputBytes)) } ?? .null,
                run.lateMs.map { .integer($0) } ?? .null,
            ]
        )
        if connection.lastInsertRowID % 64 == 0 { _ = try trim(connection, app: run.app, keep: keep) }
    }

    /// Deletes all but the newest `keep` runs of an app; returns how many went.
    public static func trim(_ connection: Connection, app: String, keep: Int) throws -> Int {
        try connection.run(
            """
            DELETE FROM runs WHERE app = ?1 AND id <= (
                SELECT id FROM runs WHERE app = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
            """,
            [.text(app), .integer(Int64(keep))]
        )
    }

    /// The app's runs, newest first; `before` pages back by id.
    public static func list(
        _ connection: Connection,
        app: String,
        kind: String?,
        limit: Int,
        before: Int64?
    ) throws -> [Run] {
        var sql =
            "SELECT id, app, kind, handler, job, name, attempt, started_at, duration_ms, outcome, error, output, late_ms FROM runs WHERE app = ?"
        var values: [SQLiteValue] = [.text(app)]
        if let kind {
            sql += " AND kind = ?"
            values.append(.text(kind))
        }
        if let before {
            sql += " AND id < ?"
            values.append(.integer(before))
        }
        sql += " ORDER BY id DESC LIMIT ?"
        values.append(.integer(Int64(limit)))
        return try connection.query(sql, values) { row in
            var run = Run(
                app: row.string(1),
                kind: row.string(2),
                handler: row.string(3),
                startedAt: row.int64(7),
                durationMs: row.int64(8),
                outcome: row.string(9)
            )
            run.id = row.int64(0)
            run.job = row.isNull(4) ? nil : row.int64(4)
            run.name = row.optionalString(5)
            run.attempt = row.int(6)
            run.error = row.optionalString(10)
            run.output = row.optionalString(11)
            run.lateMs = row.isNull(12) ? nil : row.int64(12)
            return run
        }
    }

    /// Deletes up to `batch` runs older than `maxAgeMs` (oldest first); returns how many went.
    public static func trim(_ connection: Connection, maxAgeMs: Int64, now: Int64, batch: Int = 5000) throws -> Int {
        try connection.run(
            "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE started_at < ? ORDER BY started_at LIMIT ?)",
            [.integer(now - maxAgeMs), .integer(Int64(batch))]
        )
    }

    /// `text` cut to at most `limit` UTF-8 bytes (a character cut in half becomes U+FFFD).
    static func truncated(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        return String(decoding: text.utf8.prefix(limit), as: UTF8.self) + "…"
    }
}

import FaztStore

/// One row of the `jobs` table.
public struct Job: Sendable, Equatable {
    /// The kind as stored (users see `publicKind`).
    ///
    /// `timer` (fazt.schedule), `cron` (manifest schedules), `event` (a delivery), `notify`.
    public var kind: String
    public var id: Int64 = 0
    public var app: String
    /// The cron schedule's name, or the event type for deliveries.
    public var name: String?
    public var key: String?
    public var handler: String
    /// JSON: the timer's state, the cron spec, or the event.
    public var state: String
    public var runAt: Int64
    /// `pending`, `running` or `dead`.
    public var status: String = "pending"
    /// Runs started so far (1 during the first run).
    public var attempt: Int = 0
    public var retries: Int = 3
    public var backoffMs: Int64 = 1000
    public var timeoutMs: Int = 60_000
    /// `run-once` or `skip`: what to do when the job is found overdue at start.
    public var misfire: String = "run-once"
    public var createdAt: Int64 = 0
    public var error: String?

    public init(kind: String, app: String, handler: String, state: String, runAt: Int64) {
        self.kind = kind
        self.app = app
        self.handler = handler
        self.state = state
        self.runAt = runAt
    }

    /// The kind as apps, the control API and the CLI show it: the stored `timer` is called `job`
    /// (the word the execution history uses); the stored value stays, so no migration is needed.
    public var publicKind: String { RunLog.kind(stored: kind) }
}

/// The SQL behind the scheduler: every function takes the connection it runs on (the writer for
/// changes, any reader for queries).
public enum JobStore {
    static let columns =
        "id, app, kind, name, key, handler, state, run_at, status, attempt, retries, backoff, timeout, misfire, created_at, error"

    static func job(_ row: Row) -> Job {
        var job = Job(
            kind: row.string(2),
            app: row.string(1),
            handler: row.string(5),
            state: row.string(6),
            runAt: row.int64(7)
        )
        job.id = row.int64(0)
        job.name = row.optionalString(3)
        job.key = row.optionalString(4)
        job.status = row.string(8)
        job.attempt = row.int(9)
        job.retries = row.int(10)
        job.backoffMs = row.int64(11)
        job.timeoutMs = row.int(12)
        job.misfire = row.string(13)
        job.createdAt = row.int64(14)
        job.error = row.optionalString(15)
        return job
    }

    /// Inserts `job` as pending and returns its id and the id it replaced.
    ///
    /// A pending job of the same app with the same key is replaced.
    public static func insert(_ connection: Connection, _ job: Job, now: Int64) throws -> (id: Int64, replaced: Int64?)
    {
        var replaced: Int64?
        if let key = job.key {
            replaced = try connection.queryOne(
                "DELETE FROM jobs WHERE app = ? AND key = ? AND status = 'pending' RETURNING id",
                [.text(job.app), .text(key)]
            ) { $0.int64(0) }
        }
        _ = try connection.run(
            """
            INSERT INTO jobs (app, kind, name, key, handler, state, run_at, retries, backoff, timeout, misfire, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(job.app), .text(job.kind), job.name.map { .text($0) } ?? .null,
                job.key.map { .text($0) } ?? .null,
                .text(job.handler), .text(job.state), .integer(job.runAt), .integer(Int64(job.retries)),
                .integer(job.backoffMs), .integer(Int64(job.timeoutMs)), .text(job.misfire), .integer(now),
            ]
        )
        return (connection.lastInsertRowID, replaced)
    }

    /// The app's cron jobs (one per schedule of the live manifest), by name.
    public static func cronJobs(_ connection: Connection, app: String) throws -> [Job] {
        try connection.query(
            "SELECT \(columns) FROM jobs WHERE app = ? AND kind = 'cron' ORDER BY name",
            [.text(app)],
            job
        )
    }

    /// The app's job with this id (or, for a key, its pending job with that key).
    public static func find(_ connection: Connection, app: String, id: Int64?, key: String?) throws -> Job? {
        if let id {
            return try connection.queryOne(
                "SELECT \(columns) FROM jobs WHERE app = ? AND id = ?",
                [.text(app), .integer(id)],
                job
            )
        }
        return try connection.queryOne(
            "SELECT \(columns) FROM jobs WHERE app = ? AND key = ? ORDER BY status = 'pending' DESC, id DESC LIMIT 1",
            [.text(app), .text(key ?? "")],
            job
        )
    }

    /// Deletes the app's pending or dead job (by id, or its pending job by key); returns its id.
    public static func cancel(_ connection: Connection, app: String, id: Int64?, key: String?) throws -> Int64? {
        if let id {
            return try connection.queryOne(
                "DELETE FROM jobs WHERE app = ? AND id = ? AND status != 'running' RETURNING id",
                [.text(app), .integer(id)]
            ) { $0.int64(0) }
        }
        return try connection.queryOne(
            "DELETE FROM jobs WHERE app = ? AND key = ? AND status = 'pending' RETURNING id",
            [.text(app), .text(key ?? "")]
        ) { $0.int64(0) }
    }

    /// The app's jobs, soonest first; `status` nil for all.
    public static func list(_ connection: Connection, app: String, status: String?, limit: Int) throws -> [Job] {
        if let status {
            return try connection.query(
                "SELECT \(columns) FROM jobs WHERE app = ? AND status = ? ORDER BY run_at, id LIMIT ?",
                [.text(app), .text(status), .integer(Int64(limit))],
                job
            )
        }
        return try connection.query(
            "SELECT \(columns) FROM jobs WHERE app = ? ORDER BY run_at, id LIMIT ?",
            [.text(app), .integer(Int64(limit))],
            job
        )
    }

    /// Pending jobs due in `range`, soonest first, at most about `limit` (never splitting one due
    /// time); `complete` is false when more remain in the range.
    public static func due(
        _ connection: Connection,
        in range: Range<Int64>,
        limit: Int
    ) throws -> (jobs: [(id: Int64, app: String, due: Int64)], complete: Bool) {
        let sql =
            "SELECT id, app, run_at FROM jobs WHERE status = 'pending' AND run_at >= ? AND run_at < ? ORDER BY run_at LIMIT ?"
        var jobs = try connection.query(
            sql,
            [.integer(range.lowerBound), .integer(range.upperBound), .integer(Int64(limit) + 1)]
        ) {
            (id: $0.int64(0), app: $0.string(1), due: $0.int64(2))
        }
        guard jobs.count > limit, let last = jobs.last?.due else { return (jobs, true) }
        // Cut before the last due time, then take every job due exactly then.
        jobs.removeAll { $0.due == last }
        let rest = try connection.query(
            "SELECT id, app, run_at FROM jobs WHERE status = 'pending' AND run_at = ?",
            [.integer(last)]
        ) { (id: $0.int64(0), app: $0.string(1), due: $0.int64(2)) }
        return (jobs + rest, false)
    }

    /// Marks a pending job that is due by `now` as running (one more attempt); nil when it was
    /// cancelled, replaced or moved meanwhile.
    public static func claim(_ connection: Connection, id: Int64, now: Int64) throws -> Job? {
        try connection.queryOne(
            """
            UPDATE jobs SET status = 'running', attempt = attempt + 1
            WHERE id = ? AND status = 'pending' AND run_at <= ? RETURNING \(columns)
            """,
            [.integer(id), .integer(now)],
            job
        )
    }

    /// Removes a finished job.
    public static func delete(_ connection: Connection, id: Int64) throws {
        _ = try connection.run("DELETE FROM jobs WHERE id = ?", [.integer(id)])
    }

    /// Makes a job pending again at `runAt` (a retry keeps its attempt count; a cron's next
    /// occurrence starts again at zero).
    public static func reschedule(
        _ connection: Connection,
        id: Int64,
        runAt: Int64,
        resetAttempts: Bool,
        error: String?
    ) throws {
        _ = try connection.run(
            "UPDATE jobs SET status = 'pending', run_at = ?, attempt = CASE WHEN ? THEN 0 ELSE attempt END, error = ? WHERE id = ?",
            [.integer(runAt), .integer(resetAttempts ? 1 : 0), error.map { .text($0) } ?? .null, .integer(id)]
        )
    }

    /// Marks a job dead after its last attempt failed.
    public static func markDead(_ connection: Connection, id: Int64, error: String) throws {
        _ = try connection.run("UPDATE jobs SET status = 'dead', error = ? WHERE id = ?", [.text(error), .integer(id)])
    }

    /// A dead job of the app made pending again at `now`, with a fresh set of attempts.
    public static func revive(_ connection: Connection, app: String, id: Int64, now: Int64) throws -> Job? {
        try connection.queryOne(
            "UPDATE jobs SET status = 'pending', run_at = ?, attempt = 0, error = NULL WHERE app = ? AND id = ? AND status = 'dead' RETURNING \(columns)",
            [.integer(now), .text(app), .integer(id)],
            job
        )
    }

    /// Recovers after a start and returns every skipped job.
    ///
    /// Jobs left `running` by a process that died are due again at once (their lease ended with
    /// that process); overdue jobs whose misfire policy is `skip` are dropped (timers)
    /// or moved to their next occurrence by the caller (cron).
    public static func recover(_ connection: Connection, now: Int64) throws -> (orphans: Int, skipped: [Job]) {
        let orphans = try connection.run(
            "UPDATE jobs SET status = 'pending', run_at = ? WHERE status = 'running'",
            [.integer(now)]
        )
        let skipped = try connection.query(
            "SELECT \(columns) FROM jobs WHERE status = 'pending' AND misfire = 'skip' AND run_at < ?",
            [.integer(now)],
            job
        )
        for job in skipped where job.kind != "cron" { try delete(connection, id: job.id) }
        return (orphans, skipped)
    }

    /// Counts of the app's jobs by status.
    public static func counts(_ connection: Connection, app: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (status, count) in try connection.query(
            "SELECT status, COUNT(*) FROM jobs WHERE app = ? GROUP BY status",
            [.text(app)],
            { ($0.string(0), $0.int(1)) }
        ) {
            counts[status] = count
        }
        return counts
    }

    /// Deletes every job and run of an app (app delete).
    public static func deleteAll(_ connection: Connection, app: String) throws {
        _ = try connection.run("DELETE FROM jobs WHERE app = ?", [.text(app)])
        _ = try connection.run("DELETE FROM runs WHERE app = ?", [.text(app)])
    }
}

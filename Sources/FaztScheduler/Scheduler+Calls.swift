import FaztStorage
import FaztStore

/// `fazt.schedule(...)`, `.cancel`, `.get`, `.list` as calls from app JavaScript.
extension Scheduler {
    /// Ops this extension answers.
    public static let ops: Set<StorageOp> = [.scheduleAdd, .scheduleCancel, .scheduleGet, .scheduleList]

    /// Runs one call from app JavaScript; `reply` gets JSON once any change is committed (the
    /// invocation's response or completion waits until everything it wrote is durable, like a
    /// storage write).
    public func perform(_ call: StorageCall, reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) {
        do {
            switch call.op {
            case .scheduleAdd:
                let job = try parseJob(call)
                add(job, reply: reply)
            case .scheduleCancel:
                let (id, key) = try target(call.arg(0))
                let app = call.app
                store.apply(
                    { connection in try JobStore.cancel(connection, app: app, id: id, key: key) },
                    applied: {
                        [self] result, seq in
                        switch result {
                        case .success(let removed):
                            if let removed { noteCancelled(id: removed) }
                            reply(.success(StorageResult(json: removed == nil ? "false" : "true")))
                        case .failure(let error):
                            reply(.failure(StorageError(.internalError, "cannot cancel the job: \(error)")))
                        }
                    }
                )
            case .scheduleGet:
                let (id, key) = try target(call.arg(0))
                let job = try store.read { try JobStore.find($0, app: call.app, id: id, key: key) }
                reply(.success(StorageResult(json: job.map { Self.json($0).text } ?? "null")))
            case .scheduleList:
                let limit = min(max(Int(call.arg(0)) ?? 100, 1), 1000)
                let status = call.arg(1).isEmpty ? nil : call.arg(1)
                let jobs = try store.read { try JobStore.list($0, app: call.app, status: status, limit: limit) }
                reply(.success(StorageResult(json: JSONValue.array(jobs.map(Self.json)).text)))
            default:
                throw StorageError(.invalidArgument, "unknown call \(call.op.rawValue)")
            }
        } catch {
            reply(.failure(StorageError.wrapping(error)))
        }
    }

    /// Inserts a validated job (replacing a pending one with the same key) and tells the plan.
    public func add(_ job: Job, reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) {
        let now = clock()
        let limit = configuration.maxPendingPerApp
        let estimates = pendingEstimates
        store.apply(
            { connection -> (id: Int64, replaced: Int64?) in
                // Counting every time would scan the app's jobs on each insert: an upper bound (the
                // last count plus inserts since, at most 10 s old) is used until it nears the limit.
                let estimate = estimates.withLock { $0[job.app].flatMap { now - $0.at < 10_000 ? $0.count : nil } }
                var pending = estimate ?? limit
                if pending + 1 >= limit {
                    pending =
                        try connection.queryOne(
                            "SELECT COUNT(*) FROM jobs WHERE app = ? AND status = 'pending'",
                            [.text(job.app)]
                        ) { $0.int(0) } ?? 0
                    estimates.withLock { [pending] in $0[job.app] = (pending, now) }
                }
                if pending >= limit && job.key == nil {
                    throw StorageError(.quotaExceeded, "the app already has \(pending) pending jobs (limit \(limit))")
                }
                let inserted = try JobStore.insert(connection, job, now: now)
                estimates.withLock { $0[job.app]?.count += 1 }
                return inserted
            },
            applied: { [self] result, _ in
                switch result {
                case .success(let (id, replaced)):
                    if let replaced { noteCancelled(id: replaced) }
                    noteScheduled(id: id, app: job.app, runAt: job.runAt)
                    reply(.success(StorageResult(json: #"{"id":\#(id),"runAt":\#(job.runAt)}"#)))
                case .failure(let error as StorageError):
                    reply(.failure(error))
                case .failure(let error):
                    reply(.failure(StorageError(.internalError, "cannot schedule the job: \(error)")))
                }
            }
        )
    }

    /// `schedule.add` arguments: when (JSON: delay ms, `"5m"`, or `{"at": ms}`), state (JSON),
    /// options (JSON), and the calling handler file (the default handler).
    func parseJob(_ call: StorageCall) throws -> Job {
        let now = clock()
        let when = try JSONValue.parse(call.arg(0))
        let runAt: Int64
        switch when {
        case .number(let delay) where delay.isFinite && delay >= 0:
            runAt = now + Int64(delay)
        case .string(let text):
            guard let delay = DurationText.milliseconds(text) else {
                throw StorageError(
                    .invalidArgument,
                    "schedule: delay \"\(text)\" must be milliseconds, a duration like \"90s\", \"5m\", \"2h\", \"7d\", or a Date"
                )
            }
            runAt = now + delay
        case .object where when["at"]?.numberValue != nil:
            let at = when["at"]?.numberValue ?? .nan
            guard at.isFinite else { throw StorageError(.invalidArgument, "schedule: the time is not a valid date") }
            runAt = max(now, Int64(at))
        default:
            throw StorageError(
                .invalidArgument,
                "schedule: delay must be milliseconds ≥ 0, a duration string or a Date"
            )
        }
        guard runAt - now <= 10 * 366 * 86_400_000 else {
            throw StorageError(.invalidArgument, "schedule: the time is more than 10 years away")
        }
        let state = try call.jsonText(1, "schedule: state", limit: configuration.maxStateBytes)
        let options = try call.options(2)
        let handler = try Self.handlerPath(options["handler"]?.stringValue ?? call.arg(3))
        if let exists = handlerExists, !exists(call.app, handler) {
            throw StorageError(.invalidArgument, "schedule: the handler \(handler) is not a file of this app")
        }
        var job = Job(kind: "timer", app: call.app, handler: handler, state: state, runAt: runAt)
        if let key = options["key"], key != .null {
            guard let text = key.stringValue, !text.isEmpty, text.utf8.count <= 256 else {
                throw StorageError(.invalidArgument, "schedule: key must be a non-empty string of at most 256 bytes")
            }
            job.key = text
        }
        job.retries = try Self.integer(
            options["retries"],
            "retries",
            default: configuration.defaultRetries,
            0...configuration.maxRetries
        )
        job.backoffMs = try Self.duration(
            options["backoff"],
            "backoff",
            default: configuration.defaultBackoffMs,
            max: configuration.maxBackoffMs
        )
        job.timeoutMs = Int(
            try Self.duration(
                options["timeout"],
                "timeout",
                default: Int64(configuration.defaultTimeoutMs),
                max: Int64(configuration.maxTimeoutMs)
            )
        )
        if let misfire = options["misfire"], misfire != .null {
            guard let text = misfire.stringValue, text == "run-once" || text == "skip" else {
                throw StorageError(.invalidArgument, "schedule: misfire must be \"run-once\" or \"skip\"")
            }
            job.misfire = text
        }
        return job
    }

    /// A handler path inside the app: relative, no `..`, a module (`.js`, `.mjs`, `.ts`, `.mts`).
    static func handlerPath(_ text: String) throws(StorageError) -> String {
        var path = text
        while path.hasPrefix("/") || path.hasPrefix("./") { path.removeFirst(path.hasPrefix("/") ? 1 : 2) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let module = [".js", ".mjs", ".ts", ".mts"].contains { path.hasSuffix($0) } && !path.hasSuffix(".d.ts")
        guard !path.isEmpty, module, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else {
            throw StorageError(
                .invalidArgument,
                "schedule: handler \"\(text)\" must be a .js (or .mjs, .ts, .mts) file path inside the app, "
                    + "like \"jobs/sync.js\""
            )
        }
        return path
    }

    private static func integer(
        _ value: JSONValue?,
        _ name: String,
        default fallback: Int,
        _ range: ClosedRange<Int>
    ) throws(StorageError) -> Int {
        guard let value, value != .null else { return fallback }
        guard let number = value.numberValue, number.rounded() == number, range.contains(Int(number)) else {
            throw StorageError(
                .invalidArgument,
                "schedule: \(name) must be a whole number in \(range.lowerBound)...\(range.upperBound)"
            )
        }
        return Int(number)
    }

    private static func duration(
        _ value: JSONValue?,
        _ name: String,
        default fallback: Int64,
        max: Int64
    ) throws(StorageError) -> Int64 {
        guard let value, value != .null else { return fallback }
        let milliseconds: Int64?
        switch value {
        case .number(let number) where number.isFinite && number > 0: milliseconds = Int64(number)
        case .string(let text): milliseconds = DurationText.milliseconds(text)
        default: milliseconds = nil
        }
        guard let milliseconds, milliseconds > 0, milliseconds <= max else {
            throw StorageError(
                .invalidArgument,
                "schedule: \(name) must be milliseconds or a duration like \"30s\", at most \(max / 1000) s"
            )
        }
        return milliseconds
    }

    /// A job id (number) or key (string).
    func target(_ text: String) throws(StorageError) -> (id: Int64?, key: String?) {
        switch try JSONValue.parse(text.isEmpty ? "null" : text) {
        case .number(let number) where number.rounded() == number: return (Int64(number), nil)
        case .string(let key) where !key.isEmpty: return (nil, key)
        default: throw StorageError(.invalidArgument, "schedule: give a job id (number) or key (string)")
        }
    }

    /// A job as the JSON apps and the control API see.
    public static func json(_ job: Job) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .number(Double(job.id))), ("kind", .string(job.publicKind)),
            ("key", job.key.map { .string($0) } ?? .null),
            ("handler", .string(job.handler)), ("runAt", .number(Double(job.runAt))), ("status", .string(job.status)),
            ("attempt", .number(Double(job.attempt))), ("retries", .number(Double(job.retries))),
            ("createdAt", .number(Double(job.createdAt))),
        ]
        if let name = job.name { fields.append(("name", .string(name))) }
        if job.kind == "timer" { fields.append(("state", (try? JSONValue.parse(job.state)) ?? .null)) }
        if job.kind == "cron", let spec = try? JSONValue.parse(job.state) {
            fields.append(("cron", spec["cron"] ?? .null))
        }
        if let error = job.error { fields.append(("error", .string(error))) }
        return .object(fields)
    }
}

/// Owner operations (control API, CLI).
extension Scheduler {
    /// Makes a dead job pending again now, with a fresh set of attempts (blocking).
    public func retry(app: String, id: Int64) throws -> Job? {
        let now = clock()
        let job = try store.writeBlocking { try JobStore.revive($0, app: app, id: id, now: now) }
        if let job { noteScheduled(id: job.id, app: app, runAt: job.runAt) }
        return job
    }

    /// Deletes a pending or dead job (blocking); false when there is none.
    public func cancel(app: String, id: Int64) throws -> Bool {
        let removed = try store.writeBlocking { try JobStore.cancel($0, app: app, id: id, key: nil) }
        if let removed { noteCancelled(id: removed) }
        return removed != nil
    }
}

/// Changes made to an app's jobs outside `Scheduler` (deploys registering cron schedules).
extension Scheduler {
    /// Re-reads the app's pending jobs that fall inside the loaded horizon (blocking read), so
    /// rows written by another transaction fire on time.
    public func refresh(app: String) {
        condition.lock()
        let reach = plan.reach
        condition.unlock()
        let jobs = try? store.read { connection in
            try connection.query(
                "SELECT id, run_at FROM jobs WHERE app = ? AND status = 'pending' AND run_at < ?",
                [.text(app), .integer(reach)]
            ) { (id: $0.int64(0), runAt: $0.int64(1)) }
        }
        for job in jobs ?? [] { noteScheduled(id: job.id, app: app, runAt: job.runAt) }
    }
}

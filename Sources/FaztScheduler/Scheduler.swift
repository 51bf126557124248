import FaztStorage
import FaztStore
import Foundation
import Logging
import Synchronization

/// The daemon's scheduler: one thread that sleeps until the next job is due, a `SchedulePlan` for
/// its decisions, and the `jobs` table as the truth.
///
/// Firing claims the job in the database (`running`, one more attempt), hands it to `fire` (the
/// runtime), and on completion deletes it, retries it with backoff, moves a cron job to its next
/// occurrence, or marks it dead; every run is recorded in `runs`. A job left `running` by a crash
/// runs again at the next start (at-least-once).
public final class Scheduler: @unchecked Sendable {
    public typealias Fire = @Sendable (JobInvocation, @escaping @Sendable (JobOutcome) -> Void) -> Void

    // Safe: `plan`, `stopping`, `started`, `inFlight`, `loading` are only touched under `condition`.
    let condition = NSCondition()
    var plan: SchedulePlan
    private var stopping = false
    private var started = false
    private var inFlight = 0
    /// A range is being read from the database.
    private var loading = false
    private var loopDone = false

    /// Per app: pending jobs at the last count plus inserts since, and when it was counted.
    let pendingEstimates = PendingEstimates()
    private let fired = Atomic<Int>(0)
    private let firedLate = Atomic<Int>(0)
    let store: Store
    public let configuration: SchedulerConfiguration
    public let clock: @Sendable () -> Int64
    private let fire: Fire
    let logger: Logger
    /// Called after a job is marked dead (the event bus emits `system.job.failed`).
    public var onDead: (@Sendable (Job, String) -> Void)?
    /// Whether `handler` names a file of the app's live version (checked at `schedule`).
    public var handlerExists: (@Sendable (String, String) -> Bool)?

    public init(
        store: Store,
        configuration: SchedulerConfiguration = .init(),
        clock: @escaping @Sendable () -> Int64 = StorageExecutor.wallClock,
        logger: Logger,
        fire: @escaping Fire
    ) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.fire = fire
        self.plan = SchedulePlan(
            now: clock(),
            horizon: configuration.horizonMs,
            perAppLimit: configuration.perAppLimit,
            globalLimit: configuration.globalLimit
        )
    }

    /// Recovers jobs a crash left running, applies misfire policies, and starts the thread.
    public func start() throws {
        let now = clock()
        let keep = configuration.runsKeep
        let (orphans, skipped) = try store.writeBlocking { connection -> (Int, [Job]) in
            let (orphans, skipped) = try JobStore.recover(connection, now: now)
            for job in skipped {
                var run = Run(
                    app: job.app,
                    kind: Self.runKind(job),
                    handler: job.handler,
                    startedAt: now,
                    durationMs: 0,
                    outcome: "skipped"
                )
                run.job = job.id
                run.name = job.name
                run.error = "missed while the server was down (misfire policy: skip)"
                try RunLog.record(connection, run, keep: keep)
                if job.kind == "cron", let next = CronSchedule.next(spec: job.state, after: now) {
                    try JobStore.reschedule(connection, id: job.id, runAt: next, resetAttempts: true, error: nil)
                }
            }
            return (orphans, skipped)
        }
        if orphans > 0 {
            logger.info("jobs interrupted by a crash will run again", metadata: ["jobs.count": "\(orphans)"])
        }
        if !skipped.isEmpty {
            logger.info("skipped missed jobs", metadata: ["jobs.count": "\(skipped.count)"])
        }
        condition.lock()
        started = true
        condition.unlock()
        let thread = Thread { [self] in loop() }
        thread.name = "fazt-scheduler"
        thread.start()
    }

    /// Stops firing new jobs and waits (up to `grace` seconds) for running ones to finish; any
    /// still running stay `running` in the database and run again at the next start.
    public func stop(grace: Double) {
        condition.lock()
        stopping = true
        condition.broadcast()
        let deadline = Date(timeIntervalSinceNow: grace)
        while (inFlight > 0 || (started && !loopDone)) && Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        condition.unlock()
    }

    /// Jobs started and not finished.
    public var runningCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return inFlight
    }

    /// Jobs fired since start, and those of them that fired more than `lateAfterMs` after they were due.
    public var firedCounts: (fired: Int, late: Int) {
        (fired.load(ordering: .relaxed), firedLate.load(ordering: .relaxed))
    }

    /// How far past its due time a job may fire and still count as on time (metrics).
    public static let lateAfterMs: Int64 = 1000

    /// Jobs held in memory (due within the horizon).
    public var heldCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return plan.heldCount
    }

    /// Tells the plan about a job now pending at `runAt` (after its row committed).
    public func noteScheduled(id: Int64, app: String, runAt: Int64) {
        condition.lock()
        plan.add(id: id, app: app, due: runAt)
        condition.signal()
        condition.unlock()
    }

    /// Tells the plan a job is gone.
    public func noteCancelled(id: Int64) {
        condition.lock()
        plan.cancel(id: id)
        condition.unlock()
    }

    // MARK: - The loop

    private func loop() {
        condition.lock()
        while !stopping {
            let now = clock()
            // Loads read thousands of rows: on another thread, so due jobs keep firing meanwhile
            // (the plan already holds `reach` at the range's end, so nothing is lost or doubled).
            if !loading, let range = plan.beginLoad(now: now) {
                loading = true
                DispatchQueue.global().async { [self] in load(range) }
            }
            let starts = plan.start(now: now)
            if !starts.isEmpty {
                inFlight += starts.count
                condition.unlock()
                claim(starts)
                condition.lock()
                continue
            }
            let wait = min(max(plan.nextWake(now: now) - now, 0), 1000)
            if wait > 0 { _ = condition.wait(until: Date(timeIntervalSinceNow: Double(wait) / 1000)) }
        }
        loopDone = true
        condition.broadcast()
        condition.unlock()
    }

    private func load(_ range: Range<Int64>) {
        do {
            let found = try store.read { try JobStore.due($0, in: range, limit: configuration.loadBatch) }
            finishLoad { $0.loaded(found.jobs, complete: found.complete) }
        } catch {
            logger.error("cannot load due jobs", metadata: ["error": "\(error)"])
            // Try again in a second: the load counts as in progress until then.
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [self] in
                finishLoad { $0.loadFailed(range) }
            }
        }
    }

    private func finishLoad(_ update: (inout SchedulePlan) -> Void) {
        condition.lock()
        update(&plan)
        loading = false
        condition.signal()
        condition.unlock()
    }

    private func claim(_ starts: [SchedulePlan.Start]) {
        let clock = self.clock
        store.apply(
            { connection in
                let now = clock()
                return try starts.map { try JobStore.claim(connection, id: $0.id, now: now) }
            },
            applied: { [self] result, _ in
                let claimed: [Job?]
                switch result {
                case .success(let jobs): claimed = jobs
                case .failure(let error):
                    logger.error("cannot claim due jobs", metadata: ["error": "\(error)"])
                    claimed = starts.map { _ in nil }
                }
                for (start, job) in zip(starts, claimed) {
                    guard let job else {
                        freeSlot(app: start.app)
                        finished(app: start.app, reschedule: nil)
                        continue
                    }
                    run(job)
                }
            }
        )
    }

    private func run(_ job: Job) {
        let firedAt = clock()
        fired.add(1, ordering: .relaxed)
        if firedAt - job.runAt > Self.lateAfterMs { firedLate.add(1, ordering: .relaxed) }
        let invocation = JobInvocation(
            job: job,
            firedAt: firedAt,
            requestJSON: Self.request(for: job, firedAt: firedAt)
        )
        fire(invocation) { [self] outcome in
            // The slot is free as soon as the handler is done; recording the outcome can wait for
            // the writer without holding back the next due job.
            freeSlot(app: job.app)
            complete(job, firedAt: firedAt, outcome: outcome)
        }
    }

    private func complete(_ job: Job, firedAt: Int64, outcome: JobOutcome) {
        let now = clock()
        let configuration = self.configuration
        store.apply(
            { connection -> (next: Int64?, dead: String?) in
                var run = Run(
                    app: job.app,
                    kind: Self.runKind(job),
                    handler: job.handler,
                    startedAt: firedAt,
                    durationMs: max(0, now - firedAt),
                    outcome: "ok"
                )
                run.job = job.id
                run.name = job.name
                run.attempt = job.attempt
                run.output = outcome.output
                run.lateMs = max(0, firedAt - job.runAt)
                var next: Int64?
                var dead: String?
                if let failure = outcome.failure {
                    let message = failure.kind == "exception" ? failure.message : "\(failure.kind): \(failure.message)"
                    run.error = message
                    if job.attempt <= job.retries && !outcome.isPermanent {
                        run.outcome = "retry"
                        let retryAt = now + Self.backoff(job, limit: configuration.maxBackoffMs)
                        next = retryAt
                        try JobStore.reschedule(
                            connection,
                            id: job.id,
                            runAt: retryAt,
                            resetAttempts: false,
                            error: message
                        )
                    } else if job.kind == "cron", let at = CronSchedule.next(spec: job.state, after: now) {
                        run.outcome = "dead"
                        next = at
                        try JobStore.reschedule(connection, id: job.id, runAt: at, resetAttempts: true, error: message)
                        dead = message
                    } else {
                        run.outcome = "dead"
                        try JobStore.markDead(connection, id: job.id, error: message)
                        dead = message
                    }
                } else if job.kind == "cron",
                    let at = CronSchedule.next(spec: job.state, after: max(now, job.runAt), catchUp: job.runAt)
                {
                    next = at
                    try JobStore.reschedule(connection, id: job.id, runAt: at, resetAttempts: true, error: nil)
                } else {
                    try JobStore.delete(connection, id: job.id)
                }
                try RunLog.record(connection, run, keep: configuration.runsKeep)
                return (next, dead)
            },
            applied: { [self] result, _ in
                switch result {
                case .success(let (next, dead)):
                    finished(app: job.app, reschedule: next.map { (job.id, $0) })
                    if let dead {
                        logger.warning(
                            "job failed for the last time",
                            metadata: ["app": "\(job.app)", "job.id": "\(job.id)"]
                        )
                        onDead?(job, dead)
                    }
                case .failure(let error):
                    // The row stays `running`; the next start runs it again.
                    logger.error(
                        "cannot record a finished job",
                        metadata: ["job.id": "\(job.id)", "error": "\(error)"]
                    )
                    finished(app: job.app, reschedule: nil)
                }
            }
        )
    }

    private func freeSlot(app: String) {
        condition.lock()
        plan.finished(app: app)
        condition.signal()
        condition.unlock()
    }

    /// A started job is over and its outcome recorded (or its claim failed).
    private func finished(app: String, reschedule: (id: Int64, at: Int64)?) {
        condition.lock()
        inFlight -= 1
        if let reschedule { plan.add(id: reschedule.id, app: app, due: reschedule.at) }
        condition.broadcast()
        condition.unlock()
    }

    // MARK: - Helpers

    /// Exponential backoff with ±20% jitter: backoff × 2^(attempt−1).
    static func backoff(_ job: Job, limit: Int64) -> Int64 {
        let base = Double(max(1, job.backoffMs)) * pow(2, Double(max(0, job.attempt - 1)))
        return Int64(min(Double(limit), base * Double.random(in: 0.8...1.2)))
    }

    static func runKind(_ job: Job) -> String { job.publicKind }

    /// The invocation request for a job (what the prelude's `__fazt_invoke` receives).
    public static func request(for job: Job, firedAt: Int64) -> String {
        var fields: [(String, JSONValue)] = [
            ("id", .number(Double(job.id))), ("key", job.key.map { .string($0) } ?? .null),
            ("attempt", .number(Double(job.attempt))), ("scheduledAt", .number(Double(job.runAt))),
            ("firedAt", .number(Double(firedAt))), ("kind", .string(job.publicKind)),
        ]
        var state = job.state
        if job.kind == "cron" {
            let spec = (try? JSONValue.parse(job.state)) ?? .null
            fields.append(("name", .string(job.name ?? "")))
            fields.append(("cron", spec["cron"] ?? .null))
            state = "null"
        } else if let name = job.name {
            fields.append(("name", .string(name)))
        }
        let kind = job.kind == "event" ? "event" : "scheduled"
        return #"{"__fazt":"\#(kind)","job":\#(JSONValue.object(fields).text),"state":\#(state)}"#
    }
}

/// Per app: pending jobs at the last count plus inserts since, and when it was counted.
final class PendingEstimates: Sendable {
    private let value = Mutex<[String: (count: Int, at: Int64)]>([:])

    func withLock<T>(_ body: (inout [String: (count: Int, at: Int64)]) -> T) -> T {
        value.withLock { body(&$0) }
    }
}

/// Scheduler limits and defaults (see docs/api.md → Timers).
public struct SchedulerConfiguration: Sendable {
    /// Most jobs of one app running at once.
    public var perAppLimit = 4
    /// Most jobs running at once in total (keep it below the worker count so HTTP keeps workers).
    public var globalLimit = 8
    /// How far ahead jobs are held in memory (ms); later ones stay only in `data.db`.
    public var horizonMs: Int64 = 60_000
    /// Most jobs read from the database per load.
    public var loadBatch = 10_000
    public var defaultTimeoutMs = 60_000
    public var maxTimeoutMs = 15 * 60_000
    public var defaultRetries = 3
    public var maxRetries = 20
    public var defaultBackoffMs: Int64 = 1000
    /// The longest wait between two attempts.
    public var maxBackoffMs: Int64 = 3_600_000
    public var maxStateBytes = 64 << 10
    /// Most pending jobs per app.
    public var maxPendingPerApp = 100_000
    /// Runs kept per app, and for how long.
    public var runsKeep = 1000
    public var runsMaxAgeMs: Int64 = 7 * 86_400_000
    /// How long persisted events are kept.
    public var eventsMaxAgeMs: Int64 = 30 * 86_400_000

    public init() {}
}

/// What the scheduler hands the runtime when a job fires.
public struct JobInvocation: Sendable {
    public var job: Job
    /// When it fired (ms since 1970).
    public var firedAt: Int64
    /// The invocation request: `{"__fazt": "scheduled", "state", "job"}` (see the prelude).
    public var requestJSON: String
}

/// How a fired job's invocation ended.
public struct JobOutcome: Sendable {
    /// nil on success; else why it failed (`exception`, `timeout`, …) and the message.
    public var failure: (kind: String, message: String)?
    /// Console output captured during the run.
    public var output: String?

    /// True for a failure another attempt cannot fix (kinds `missing` and `handler`).
    ///
    /// The handler file is missing, does not compile, requires a missing module or exports
    /// nothing to call: such a job goes to `dead` without its retries.
    public var isPermanent: Bool {
        guard let kind = failure?.kind else { return false }
        return kind == "handler" || kind == "missing"
    }

    public init(failure: (kind: String, message: String)? = nil, output: String? = nil) {
        self.failure = failure
        self.output = output
    }
}

/// One recorded run (a job, cron or event delivery, or a failed HTTP invocation), as
/// `GET /apps/{name}/runs` lists it.
public struct RunBody: Codable, Sendable, Equatable {
    public var id: Int64
    public var app: String
    /// `job`, `cron`, `event`, `notify` or `http`.
    public var kind: String
    public var handler: String
    public var job: Int64?
    public var name: String?
    public var attempt: Int
    /// Milliseconds since 1970.
    public var startedAt: Int64
    public var durationMs: Int64
    /// `ok`, `retry`, `dead`, `failed` or `skipped`.
    public var outcome: String
    public var error: String?
    /// Console output captured during the run (bounded).
    public var output: String?
    /// Jobs and cron runs: how long after it was due the run started (ms).
    public var lateMs: Int64?

    /// Creates a run body.
    public init(
        id: Int64,
        app: String,
        kind: String,
        handler: String,
        job: Int64?,
        name: String?,
        attempt: Int,
        startedAt: Int64,
        durationMs: Int64,
        outcome: String,
        error: String?,
        output: String?,
        lateMs: Int64? = nil
    ) {
        self.id = id
        self.app = app
        self.kind = kind
        self.handler = handler
        self.job = job
        self.name = name
        self.attempt = attempt
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.outcome = outcome
        self.error = error
        self.output = output
        self.lateMs = lateMs
    }
}

/// `GET /apps/{name}/runs`, newest first.
public struct RunList: Codable, Sendable {
    public var app: String
    public var runs: [RunBody]

    /// Creates a list.
    public init(app: String, runs: [RunBody]) {
        self.app = app
        self.runs = runs
    }
}

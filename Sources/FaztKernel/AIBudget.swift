import FaztAPI
import FaztStore

/// Per-app AI limits (`fazt ai budget`) and the check the daemon makes before each model call.
///
/// Windows are UTC: "today" starts at 00:00 UTC, "this month" on the 1st at 00:00 UTC, and
/// requests per minute count the 60 seconds before now. Costs are kept in micro-USD so that
/// sums are exact.
public struct AIBudget: Sendable {
    /// The answer of `check`.
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; the reason names the limit and the usage (e.g. "app blog used 98,000 of its
        /// 100,000 tokens today").
        case refused(String)
    }

    let store: Store
    let clock: @Sendable () -> Int64

    /// A budget keeper over `store` on the wall clock.
    public init(store: Store) {
        self.init(store: store, clock: { WallClock.nowMilliseconds() })
    }

    /// A budget keeper over `store`; `clock` gives Unix milliseconds (injected by tests).
    public init(store: Store, clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.clock = clock
    }

    /// The app's limits; all nil when none are set.
    public func limits(app: String) throws -> AIBudgetLimits {
        try store.read { connection in
            try Self.limits(connection, app: app)
        } ?? AIBudgetLimits()
    }

    /// Changes the limits given in `changes` (blocking): nil keeps a limit, 0 removes it.
    @discardableResult
    public func update(app: String, _ changes: AIBudgetLimits) throws -> AIBudgetLimits {
        for (name, value) in [
            ("tokens per day", changes.tokensPerDay), ("tokens per month", changes.tokensPerMonth),
            ("requests per minute", changes.requestsPerMinute),
        ] where (value ?? 0) < 0 {
            throw KernelError(.invalidArgument, "\(name) must be 0 (no limit) or more")
        }
        for (name, value) in [("cost per day", changes.costPerDay), ("cost per month", changes.costPerMonth)] {
            guard let value else { continue }
            guard value.isFinite, value >= 0, value <= 1_000_000_000 else {
                throw KernelError(.invalidArgument, "\(name) must be USD, 0 (no limit) or more (e.g. 2.50)")
            }
        }
        let now = clock()
        return try store.writeBlocking { connection in
            var limits = try Self.limits(connection, app: app) ?? AIBudgetLimits()
            func merge<T: Numeric & Comparable>(_ old: T?, _ new: T?) -> T? {
                guard let new else { return old }
                return new == 0 ? nil : new
            }
            limits.tokensPerDay = merge(limits.tokensPerDay, changes.tokensPerDay)
            limits.tokensPerMonth = merge(limits.tokensPerMonth, changes.tokensPerMonth)
            limits.costPerDay = merge(limits.costPerDay, changes.costPerDay)
            limits.costPerMonth = merge(limits.costPerMonth, changes.costPerMonth)
            limits.requestsPerMinute = merge(limits.requestsPerMinute, changes.requestsPerMinute)
            func integer(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
            _ = try connection.run(
                """
                INSERT INTO ai_budgets (app, tokens_per_day, tokens_per_month, cost_micros_per_day,
                    cost_micros_per_month, requests_per_minute, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (app) DO UPDATE SET tokens_per_day = excluded.tokens_per_day,
                    tokens_per_month = excluded.tokens_per_month, cost_micros_per_day = excluded.cost_micros_per_day,
                    cost_micros_per_month = excluded.cost_micros_per_month,
                    requests_per_minute = excluded.requests_per_minute, updated_at = excluded.updated_at
                """,
                [
                    .text(app), integer(limits.tokensPerDay), integer(limits.tokensPerMonth),
                    integer(limits.costPerDay.map(AICost.micros)), integer(limits.costPerMonth.map(AICost.micros)),
                    integer(limits.requestsPerMinute), .integer(now),
                ]
            )
            return limits
        }
    }

    /// What the app used in each window, as of now.
    public func usage(app: String) throws -> AIBudgetUsage {
        let now = clock()
        let day = AIWindow.dayStart(now)
        let month = AIWindow.monthStart(now)
        return try store.read { connection in
            func sums(since: Int64) throws -> (tokens: Int64, micros: Int64, calls: Int64) {
                try connection.queryOne(
                    """
                    SELECT COALESCE(SUM(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens), 0),
                        COALESCE(SUM(cost_micros), 0), COUNT(*)
                    FROM ai_calls WHERE app = ? AND created_at >= ? AND created_at <= ?
                    """,
                    [.text(app), .integer(since), .integer(now)]
                ) { ($0.int64(0), $0.int64(1), $0.int64(2)) } ?? (0, 0, 0)
            }
            let today = try sums(since: day)
            let thisMonth = try sums(since: month)
            let lastMinute = try sums(since: now - 59_999)
            return AIBudgetUsage(
                tokensToday: today.tokens,
                tokensThisMonth: thisMonth.tokens,
                costToday: AICost.dollars(today.micros),
                costThisMonth: AICost.dollars(thisMonth.micros),
                requestsLastMinute: lastMinute.calls
            )
        }
    }

    /// Whether `app` may make one more call now, which is expected to use `estimatedTokens`.
    ///
    /// A limit refuses the call when it is used up, or when the estimate would take the usage over it.
    public func check(app: String, estimatedTokens: Int64 = 0) throws -> Decision {
        let limits = try limits(app: app)
        guard limits != AIBudgetLimits() else { return .allowed }
        return Self.decide(app: app, limits: limits, usage: try usage(app: app), estimatedTokens: estimatedTokens)
    }

    /// The pure arithmetic of `check`.
    static func decide(app: String, limits: AIBudgetLimits, usage: AIBudgetUsage, estimatedTokens: Int64) -> Decision {
        func over(_ used: Int64, _ limit: Int64?) -> Bool {
            guard let limit else { return false }
            return used >= limit || used + max(estimatedTokens, 0) > limit
        }
        if let limit = limits.requestsPerMinute, usage.requestsLastMinute >= limit {
            return .refused(
                "app \(app) made \(AICost.grouped(usage.requestsLastMinute)) of its \(AICost.grouped(limit)) requests in the last minute"
            )
        }
        if over(usage.tokensToday, limits.tokensPerDay), let limit = limits.tokensPerDay {
            return .refused(
                "app \(app) used \(AICost.grouped(usage.tokensToday)) of its \(AICost.grouped(limit)) tokens today"
            )
        }
        if over(usage.tokensThisMonth, limits.tokensPerMonth), let limit = limits.tokensPerMonth {
            return .refused(
                "app \(app) used \(AICost.grouped(usage.tokensThisMonth)) of its \(AICost.grouped(limit)) tokens this month"
            )
        }
        if let limit = limits.costPerDay, AICost.micros(usage.costToday) >= AICost.micros(limit) {
            return .refused(
                "app \(app) spent \(AICost.usd(usage.costToday)) of its \(AICost.usd(limit)) today"
            )
        }
        if let limit = limits.costPerMonth, AICost.micros(usage.costThisMonth) >= AICost.micros(limit) {
            return .refused(
                "app \(app) spent \(AICost.usd(usage.costThisMonth)) of its \(AICost.usd(limit)) this month"
            )
        }
        return .allowed
    }

    static func limits(_ connection: Connection, app: String) throws -> AIBudgetLimits? {
        try connection.queryOne(
            """
            SELECT tokens_per_day, tokens_per_month, cost_micros_per_day, cost_micros_per_month, requests_per_minute
            FROM ai_budgets WHERE app = ?
            """,
            [.text(app)]
        ) { row in
            func integer(_ index: Int32) -> Int64? { row.isNull(index) ? nil : row.int64(index) }
            return AIBudgetLimits(
                tokensPerDay: integer(0),
                tokensPerMonth: integer(1),
                costPerDay: integer(2).map(AICost.dollars),
                costPerMonth: integer(3).map(AICost.dollars),
                requestsPerMinute: integer(4)
            )
        }
    }

    /// Deletes an app's limits and call records inside the caller's transaction (app deletion).
    public static func deleteAll(_ connection: Connection, app: String) throws {
        _ = try connection.run("DELETE FROM ai_budgets WHERE app = ?", [.text(app)])
        _ = try connection.run("DELETE FROM ai_calls WHERE app = ?", [.text(app)])
    }
}

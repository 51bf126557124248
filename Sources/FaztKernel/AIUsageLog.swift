import FaztAPI
import FaztStore

/// One model call, as the daemon records it after the call ends.
public struct AICallRecord: Sendable, Equatable {
    /// How a call ended.
    public enum Outcome: String, Sendable {
        case ok
        case error
        /// The client went away or the app cancelled.
        case cancelled
        /// Refused before it was sent (budget, permission).
        case refused
    }

    public var app: String
    public var modelAlias: String
    public var provider: String
    public var providerModel: String
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var cacheReadTokens: Int64
    public var cacheWriteTokens: Int64
    /// Micro-USD (see `AICost.micros(model:…)`).
    public var costMicros: Int64
    public var durationMs: Int64
    /// Time to the first token; nil when none came.
    public var firstTokenMs: Int64?
    public var outcome: Outcome
    /// The provider's or Fazt's error code, for failed calls.
    public var errorCode: String?

    /// Creates a record.
    public init(
        app: String,
        modelAlias: String,
        provider: String,
        providerModel: String,
        inputTokens: Int64 = 0,
        outputTokens: Int64 = 0,
        cacheReadTokens: Int64 = 0,
        cacheWriteTokens: Int64 = 0,
        costMicros: Int64 = 0,
        durationMs: Int64 = 0,
        firstTokenMs: Int64? = nil,
        outcome: Outcome = .ok,
        errorCode: String? = nil
    ) {
        self.app = app
        self.modelAlias = modelAlias
        self.provider = provider
        self.providerModel = providerModel
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.costMicros = costMicros
        self.durationMs = durationMs
        self.firstTokenMs = firstTokenMs
        self.outcome = outcome
        self.errorCode = errorCode
    }
}

/// Writing and summing AI call records (the `ai_calls` table).
extension AIBudget {
    /// Records a finished call at the clock's now (async: on the store's writer).
    public func record(_ call: AICallRecord) async throws {
        let values = Self.values(call, now: clock())
        _ = try await store.write { try $0.run(Self.insertSQL, values) }
    }

    /// Records a finished call at the clock's now (blocking).
    public func recordBlocking(_ call: AICallRecord) throws {
        let values = Self.values(call, now: clock())
        _ = try store.writeBlocking { try $0.run(Self.insertSQL, values) }
    }

    /// Totals per UTC day, app and model alias over the last `days` days (today included), newest
    /// first; `app` nil means every app.
    public func usageByDay(app: String?, days: Int) throws -> [AIUsageList.Row] {
        let now = clock()
        let since = AIWindow.dayStart(now) - Int64(max(days, 1) - 1) * AIWindow.dayMilliseconds
        let rows = try store.read { connection in
            try connection.query(
                """
                SELECT created_at / 86400000 AS day, app, model_alias, COUNT(*),
                    SUM(outcome <> 'ok'), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens),
                    SUM(cache_write_tokens), SUM(cost_micros)
                FROM ai_calls WHERE created_at >= ? AND (?2 IS NULL OR app = ?2)
                GROUP BY day, app, model_alias ORDER BY day DESC, app, model_alias
                """,
                [.integer(since), app.map { .text($0) } ?? .null]
            ) { row in
                AIUsageList.Row(
                    day: AIWindow.day(row.int64(0) * AIWindow.dayMilliseconds),
                    app: row.string(1),
                    model: row.string(2),
                    calls: row.int64(3),
                    errors: row.int64(4),
                    inputTokens: row.int64(5),
                    outputTokens: row.int64(6),
                    cacheReadTokens: row.int64(7),
                    cacheWriteTokens: row.int64(8),
                    cost: AICost.dollars(row.int64(9))
                )
            }
        }
        return rows
    }

    static let insertSQL = """
        INSERT INTO ai_calls (app, model_alias, provider, provider_model, input_tokens, output_tokens,
            cache_read_tokens, cache_write_tokens, cost_micros, duration_ms, first_token_ms, outcome, error_code,
            created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func values(_ call: AICallRecord, now: Int64) -> [SQLiteValue] {
        [
            .text(call.app), .text(call.modelAlias), .text(call.provider), .text(call.providerModel),
            .integer(max(call.inputTokens, 0)), .integer(max(call.outputTokens, 0)),
            .integer(max(call.cacheReadTokens, 0)), .integer(max(call.cacheWriteTokens, 0)),
            .integer(max(call.costMicros, 0)), .integer(max(call.durationMs, 0)),
            call.firstTokenMs.map { .integer($0) } ?? .null, .text(call.outcome.rawValue),
            call.errorCode.map { .text($0) } ?? .null, .integer(now),
        ]
    }
}

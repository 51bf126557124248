import FaztAPI
import FaztStore

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

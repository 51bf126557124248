import FaztKernel

/// AI calls, tokens and cost recorded since the server started (the metrics' counters; the
/// `ai_calls` table keeps the history).
struct AIUsageTotals: Sendable {
    var calls = 0
    var failedCalls = 0
    var inputTokens: Int64 = 0
    var outputTokens: Int64 = 0
    var cacheReadTokens: Int64 = 0
    var cacheWriteTokens: Int64 = 0
    var costMicros: Int64 = 0

    mutating func add(_ record: AICallRecord) {
        calls += 1
        if record.outcome != .ok { failedCalls += 1 }
        inputTokens += max(record.inputTokens, 0)
        outputTokens += max(record.outputTokens, 0)
        cacheReadTokens += max(record.cacheReadTokens, 0)
        cacheWriteTokens += max(record.cacheWriteTokens, 0)
        costMicros += max(record.costMicros, 0)
    }
}

/// Folds stream events into an `AIResult`, so a streamed call ends with the same result (and the same
/// usage, hence cost) as the non-streamed call would have.
public struct AIResultAccumulator: Sendable {
    private var result = AIResult()
    /// The stream's `error` event, if one came.
    public private(set) var error: (code: String, message: String)?

    /// Creates an empty accumulator.
    public init() {}

    /// Adds one event.
    public mutating func add(_ event: AIStreamEvent) {
        switch event {
        case .textDelta(let text): result.text += text
        case .toolCallDelta: break  // the complete `tool-call` event follows
        case .toolCall(let call): result.toolCalls.append(call)
        case .usage(let usage): result.usage = usage
        case .finish(let reason): result.finishReason = reason
        case .error(let code, let message): error = (code, message)
        }
    }

    /// Adds events in order.
    public mutating func add(_ events: [AIStreamEvent]) {
        for event in events { add(event) }
    }

    /// The result so far, labelled with the response's `id` and `model` (see `AIStreamNormalizer`).
    public func result(id: String = "", model: String = "") -> AIResult {
        var result = result
        result.id = id
        result.model = model
        return result
    }
}

/// Why the model stopped; raw values are what JavaScript sees.
public enum AIFinishReason: String, Sendable, Equatable {
    case stop
    case length
    case toolCalls = "tool-calls"
    case contentFilter = "content-filter"
    case error
    case unknown
}

/// One event of a model's answer, the same for every provider.
public enum AIStreamEvent: Sendable, Equatable {
    /// Text the model produced since the previous event.
    case textDelta(String)
}

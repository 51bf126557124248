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

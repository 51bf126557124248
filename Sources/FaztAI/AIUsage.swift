/// Tokens a call used.
///
/// `inputTokens` counts fresh input only: tokens read from or written to the
/// provider's prompt cache are counted apart, because they are priced apart.
public struct AIUsage: Sendable, Equatable {
    /// Input tokens that were neither read from nor written to a cache.
    public var inputTokens: Int
    /// Output tokens, reasoning ("thinking") tokens included.
    public var outputTokens: Int
    /// Input tokens served from the prompt cache.
    public var cacheReadTokens: Int
    /// Input tokens written to the prompt cache.
    public var cacheWriteTokens: Int

    /// Creates a usage record.
    public init(inputTokens: Int = 0, outputTokens: Int = 0, cacheReadTokens: Int = 0, cacheWriteTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWriteTokens = cacheWriteTokens
    }

    /// The usage of two calls together, as for the steps of a tool loop.
    public static func + (lhs: AIUsage, rhs: AIUsage) -> AIUsage {
        AIUsage(
            inputTokens: lhs.inputTokens + rhs.inputTokens,
            outputTokens: lhs.outputTokens + rhs.outputTokens,
            cacheReadTokens: lhs.cacheReadTokens + rhs.cacheReadTokens,
            cacheWriteTokens: lhs.cacheWriteTokens + rhs.cacheWriteTokens
        )
    }
}

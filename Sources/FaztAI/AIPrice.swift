/// A model's price in USD per million tokens.
public struct AIPrice: Sendable, Equatable {
    /// Fresh input.
    public var input: Double
    /// Output.
    public var output: Double
    /// Input read from the prompt cache; nil means the input price.
    public var cacheRead: Double?
    /// Input written to the prompt cache; nil means the input price.
    public var cacheWrite: Double?

    /// Creates a price.
    public init(input: Double, output: Double, cacheRead: Double? = nil, cacheWrite: Double? = nil) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
    }

    /// What `usage` costs in USD; cached tokens are priced at their own rates, never as fresh input.
    public func cost(_ usage: AIUsage) -> Double {
        let perToken = 1.0 / 1_000_000
        let fresh = Double(usage.inputTokens) * input
        let out = Double(usage.outputTokens) * output
        let read = Double(usage.cacheReadTokens) * (cacheRead ?? input)
        let write = Double(usage.cacheWriteTokens) * (cacheWrite ?? input)
        return (fresh + out + read + write) * perToken
    }
}

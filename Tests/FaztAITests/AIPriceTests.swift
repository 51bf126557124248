import FaztAI
import Testing

@Suite struct AIPriceTests {
    @Test func pricesCacheReadsAndWritesApartFromFreshInput() {
        let price = AIPrice(input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75)
        let usage = AIUsage(
            inputTokens: 1_000_000,
            outputTokens: 200_000,
            cacheReadTokens: 2_000_000,
            cacheWriteTokens: 400_000
        )
        // 3 + 15 × 0.2 + 0.3 × 2 + 3.75 × 0.4 = 3 + 3 + 0.6 + 1.5
        #expect(abs(price.cost(usage) - 8.1) < 1e-9)
    }

    @Test func missingCachePricesFallBackToTheInputPrice() {
        let price = AIPrice(input: 2, output: 8)
        let usage = AIUsage(inputTokens: 500_000, outputTokens: 0, cacheReadTokens: 250_000, cacheWriteTokens: 250_000)
        #expect(abs(price.cost(usage) - 2) < 1e-9)
    }

    @Test func billingCachedTokensAsFreshInputWouldCostMore() {
        // The LiteLLM bug: cache reads counted as input. Our usage keeps them apart and prices them low.
        let price = AIPrice(input: 2.5, output: 10, cacheRead: 1.25)
        let streamed = AIUsage(inputTokens: 200, outputTokens: 40, cacheReadTokens: 1000)
        let wrong = AIUsage(inputTokens: 1200, outputTokens: 40)
        #expect(abs(price.cost(streamed) - (200 * 2.5 + 40 * 10 + 1000 * 1.25) / 1e6) < 1e-15)
        #expect(price.cost(streamed) < price.cost(wrong))
    }

    @Test func costOfSummedUsageIsTheSumOfCosts() {
        let price = AIPrice(input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75)
        let first = AIUsage(inputTokens: 10, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 40)
        let second = AIUsage(inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4)
        #expect(first + second == AIUsage(inputTokens: 11, outputTokens: 22, cacheReadTokens: 33, cacheWriteTokens: 44))
        #expect(abs(price.cost(first + second) - (price.cost(first) + price.cost(second))) < 1e-15)
    }
}

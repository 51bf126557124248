import FaztAPI
import FaztStore
import FaztTestSupport
import Synchronization
import Testing

@testable import FaztKernel

@Suite struct AIBudgetTests {
    /// 2026-03-31 23:59:00 UTC.
    static let lastMinuteOfMarch: Int64 = 1_775_001_540_000
    let directory: TemporaryDirectory
    let store: Store
    let now = TestClock(AIBudgetTests.lastMinuteOfMarch)
    let budget: AIBudget

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        budget = AIBudget(store: store, clock: { [now] in now.value })
    }

    func call(_ app: String, tokens: Int64, micros: Int64 = 0, at time: Int64) throws {
        now.value = time
        try budget.recordBlocking(
            AICallRecord(
                app: app,
                modelAlias: "fast",
                provider: "p",
                providerModel: "m",
                inputTokens: tokens / 2,
                outputTokens: tokens - tokens / 2,
                costMicros: micros
            )
        )
    }

    @Test func windowsAreUTCDaysAndMonths() {
        #expect(AIWindow.dayStart(Self.lastMinuteOfMarch) == 1_774_915_200_000)
        #expect(AIWindow.monthStart(Self.lastMinuteOfMarch) == 1_772_323_200_000)
        #expect(AIWindow.day(Self.lastMinuteOfMarch) == "2026-03-31")
        #expect(AIWindow.day(Self.lastMinuteOfMarch + 60_000) == "2026-04-01")
        #expect(AIWindow.monthStart(Self.lastMinuteOfMarch + 60_000) == Self.lastMinuteOfMarch + 60_000)
    }

    @Test func refusesTokensOverTheDayAndStartsAgainTheNextDay() throws {
        try budget.update(app: "blog", AIBudgetLimits(tokensPerDay: 100_000))
        let start = Self.lastMinuteOfMarch - 3_600_000
        try call("blog", tokens: 60_000, at: start)
        try call("blog", tokens: 38_000, at: start + 1000)
        try call("shop", tokens: 500_000, at: start + 2000)
        try call("blog", tokens: 50_000, at: start - 86_400_000)
        now.value = Self.lastMinuteOfMarch
        #expect(try budget.usage(app: "blog").tokensToday == 98_000)
        #expect(try budget.check(app: "blog") == .allowed)
        #expect(
            try budget.check(app: "blog", estimatedTokens: 5_000)
                == .refused("app blog used 98,000 of its 100,000 tokens today")
        )
        try call("blog", tokens: 2_000, at: Self.lastMinuteOfMarch)
        #expect(try budget.check(app: "blog") == .refused("app blog used 100,000 of its 100,000 tokens today"))
        now.value = Self.lastMinuteOfMarch + 60_000
        #expect(try budget.check(app: "blog") == .allowed)
        #expect(try budget.usage(app: "blog").tokensToday == 0)
    }

    @Test func monthWindowEndsOnTheFirst() throws {
        try budget.update(app: "blog", AIBudgetLimits(tokensPerMonth: 1_000))
        try call("blog", tokens: 600, at: AIWindow.monthStart(Self.lastMinuteOfMarch))
        try call("blog", tokens: 400, at: Self.lastMinuteOfMarch - 86_400_000 * 10)
        try call("blog", tokens: 900, at: AIWindow.monthStart(Self.lastMinuteOfMarch) - 1)
        now.value = Self.lastMinuteOfMarch
        #expect(try budget.usage(app: "blog").tokensThisMonth == 1_000)
        #expect(try budget.check(app: "blog") == .refused("app blog used 1,000 of its 1,000 tokens this month"))
        now.value = Self.lastMinuteOfMarch + 60_000
        #expect(try budget.check(app: "blog") == .allowed)
    }

    @Test func refusesCostAndRateOverTheirLimits() throws {
        try budget.update(app: "blog", AIBudgetLimits(costPerDay: 0.5, requestsPerMinute: 3))
        let start = Self.lastMinuteOfMarch - 600_000
        try call("blog", tokens: 10, micros: 300_000, at: start)
        now.value = start + 1
        #expect(try budget.check(app: "blog") == .allowed)
        try call("blog", tokens: 10, micros: 200_000, at: start + 2)
        #expect(try budget.check(app: "blog") == .refused("app blog spent $0.50 of its $0.50 today"))
        #expect(try budget.usage(app: "blog").costToday == 0.5)

        try budget.update(app: "blog", AIBudgetLimits(costPerDay: 0))
        #expect(try budget.limits(app: "blog") == AIBudgetLimits(requestsPerMinute: 3))
        for offset in Int64(0)..<3 { try call("blog", tokens: 1, at: Self.lastMinuteOfMarch - 50_000 + offset) }
        now.value = Self.lastMinuteOfMarch
        #expect(try budget.check(app: "blog") == .refused("app blog made 3 of its 3 requests in the last minute"))
        now.value = Self.lastMinuteOfMarch + 10_001
        #expect(try budget.check(app: "blog") == .allowed)
    }

    @Test func updatesOnlyTheLimitsGivenAndRefusesNegativeOnes() throws {
        try budget.update(app: "blog", AIBudgetLimits(tokensPerDay: 10, costPerMonth: 5))
        try budget.update(app: "blog", AIBudgetLimits(tokensPerMonth: 100))
        #expect(
            try budget.limits(app: "blog") == AIBudgetLimits(tokensPerDay: 10, tokensPerMonth: 100, costPerMonth: 5)
        )
        #expect(throws: KernelError.self) { try budget.update(app: "blog", AIBudgetLimits(tokensPerDay: -1)) }
        #expect(throws: KernelError.self) { try budget.update(app: "blog", AIBudgetLimits(costPerDay: -0.01)) }
        #expect(try budget.limits(app: "other") == AIBudgetLimits())
        #expect(try budget.check(app: "other", estimatedTokens: 1 << 40) == .allowed)
    }

    @Test func recordsCallsFromAsyncCode() async throws {
        try await budget.record(
            AICallRecord(
                app: "blog",
                modelAlias: "fast",
                provider: "p",
                providerModel: "m",
                inputTokens: 7,
                outputTokens: 3,
                costMicros: 42,
                durationMs: 120,
                firstTokenMs: 30,
                outcome: .error,
                errorCode: "rate_limited"
            )
        )
        let row = try store.read {
            try $0.queryOne("SELECT outcome, error_code, first_token_ms, created_at FROM ai_calls") {
                ($0.string(0), $0.optionalString(1), $0.optionalInt(2), $0.int64(3))
            }
        }
        #expect(row?.0 == "error" && row?.1 == "rate_limited" && row?.2 == 30 && row?.3 == Self.lastMinuteOfMarch)
        #expect(try budget.usageByDay(app: "blog", days: 1).first?.errors == 1)
    }

    @Test func aiAccessNeedsTheManifestPermission() {
        #expect(AIAccess.asks(manifest: #"{"permissions":["events:app:x.*","ai"]}"#))
        #expect(!AIAccess.asks(manifest: #"{"permissions":["events:app:x.*"]}"#))
        #expect(!AIAccess.asks(manifest: #"{"permissions":"ai"}"#))
        #expect(!AIAccess.asks(manifest: nil))
    }

    @Test func costsAreExactMicroDollars() {
        let prices = AIModelPrices(input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0.3)
        #expect(AICost.micros(model: prices, inputTokens: 1_000_000, outputTokens: 0) == 150_000)
        #expect(
            AICost.micros(
                model: prices,
                inputTokens: 1000,
                outputTokens: 2000,
                cacheReadTokens: 4000,
                cacheWriteTokens: 10
            )
                == 150 + 1200 + 300 + 3
        )
        #expect(AICost.micros(model: AIModelPrices(input: nil, output: nil), inputTokens: 5, outputTokens: 5) == 0)
        let alias = AIModelBody(
            alias: "a",
            provider: "p",
            model: "m",
            inputPrice: 1,
            outputPrice: 2,
            cacheWritePrice: 3
        )
        #expect(AICost.micros(model: AIModelPrices(alias), inputTokens: 1, outputTokens: 1, cacheWriteTokens: 1) == 6)
    }

    @Test func sumsUsagePerDayAndModel() throws {
        try call("blog", tokens: 10, micros: 5, at: Self.lastMinuteOfMarch)
        try call("blog", tokens: 20, micros: 5, at: Self.lastMinuteOfMarch - 1000)
        try call("blog", tokens: 30, at: Self.lastMinuteOfMarch - 86_400_000)
        try call("shop", tokens: 40, at: Self.lastMinuteOfMarch)
        now.value = Self.lastMinuteOfMarch
        let rows = try budget.usageByDay(app: "blog", days: 30)
        #expect(rows.map(\.day) == ["2026-03-31", "2026-03-30"])
        #expect(rows.first?.calls == 2)
        #expect(rows.first.map { $0.inputTokens + $0.outputTokens } == 30)
        #expect(rows.first?.cost == 0.00001)
        #expect(try budget.usageByDay(app: "blog", days: 1).count == 1)
        #expect(try budget.usageByDay(app: nil, days: 1).map(\.app) == ["blog", "shop"])
        try store.writeBlocking { try AIBudget.deleteAll($0, app: "blog") }
        #expect(try budget.usageByDay(app: "blog", days: 30).isEmpty)
    }
}

/// A settable clock for budget windows.
final class TestClock: Sendable {
    private let milliseconds: Mutex<Int64>

    init(_ start: Int64) { milliseconds = Mutex(start) }

    var value: Int64 {
        get { milliseconds.withLock { $0 } }
        set { milliseconds.withLock { $0 = newValue } }
    }
}

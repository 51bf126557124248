import FaztAPI
import Foundation
import Glibc

/// Money arithmetic for AI calls: prices are USD per million tokens, sums are micro-USD integers.
public enum AICost {
    /// The cost of a call in micro-USD: tokens × (USD per million tokens) is micro-USD exactly.
    public static func micros(
        model: AIModelPrices,
        inputTokens: Int64,
        outputTokens: Int64,
        cacheReadTokens: Int64 = 0,
        cacheWriteTokens: Int64 = 0
    ) -> Int64 {
        let total =
            Double(inputTokens) * (model.input ?? 0) + Double(outputTokens) * (model.output ?? 0)
            + Double(cacheReadTokens) * (model.cacheRead ?? 0) + Double(cacheWriteTokens) * (model.cacheWrite ?? 0)
        return Int64(total.rounded())
    }

    /// USD as micro-USD.
    static func micros(_ dollars: Double) -> Int64 { Int64((dollars * 1_000_000).rounded()) }

    /// Micro-USD as USD.
    static func dollars(_ micros: Int64) -> Double { Double(micros) / 1_000_000 }

    /// `$1.234567` style, without trailing zeros beyond cents.
    static func usd(_ dollars: Double) -> String {
        var text = String(format: "%.6f", dollars)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text.removeLast()
        }
        return "$" + text
    }

    /// `98000` as `98,000`.
    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }
}

/// A model's prices in USD per million tokens (nil counts as 0).
public struct AIModelPrices: Sendable, Equatable {
    public var input: Double?
    public var output: Double?
    public var cacheRead: Double?
    public var cacheWrite: Double?

    /// Creates prices.
    public init(input: Double?, output: Double?, cacheRead: Double? = nil, cacheWrite: Double? = nil) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
    }

    /// The prices of a model alias.
    public init(_ model: AIModelBody) {
        self.init(
            input: model.inputPrice,
            output: model.outputPrice,
            cacheRead: model.cacheReadPrice,
            cacheWrite: model.cacheWritePrice
        )
    }
}

/// Budget windows in UTC.
enum AIWindow {
    static let dayMilliseconds: Int64 = 86_400_000

    /// 00:00 UTC of the day of `milliseconds`.
    static func dayStart(_ milliseconds: Int64) -> Int64 {
        milliseconds - ((milliseconds % dayMilliseconds) + dayMilliseconds) % dayMilliseconds
    }

    /// 00:00 UTC on the 1st of the month of `milliseconds`.
    static func monthStart(_ milliseconds: Int64) -> Int64 {
        var seconds = time_t(dayStart(milliseconds) / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        parts.tm_mday = 1
        parts.tm_hour = 0
        parts.tm_min = 0
        parts.tm_sec = 0
        return Int64(timegm(&parts)) * 1000
    }

    /// `YYYY-MM-DD` (UTC) of `milliseconds`.
    static func day(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
    }
}

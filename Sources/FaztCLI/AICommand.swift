import ArgumentParser
import FaztAPI
import Foundation

/// `fazt ai provider|model|budget|usage`: the owner's language models and what apps may spend.
struct AICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ai",
        abstract: "Manage AI providers, model aliases, per-app budgets and usage.",
        discussion: """
            Add a provider (its key is read from stdin and stored encrypted, never shown again), \
            then model aliases that apps name. An app may call models only when its fazt.json has \
            "permissions": ["ai"] and you ran 'fazt grant APP ai'.
            """,
        subcommands: [ProviderCommand.self, ModelCommand.self, Budget.self, Usage.self]
    )

    /// `fazt ai budget APP [limits]`.
    struct Budget: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set an app's AI limits (with its usage so far).",
            discussion: """
                Without options, shows the limits and the usage of today (UTC), this month and the last \
                minute. Options change only the limits they name; 0 removes a limit.
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Option(help: "Tokens (input + output + cache) per UTC day.") var tokensPerDay: Int64?
        @Option(help: "Tokens per UTC month.") var tokensPerMonth: Int64?
        @Option(help: "USD per UTC day (e.g. 2.50).") var costPerDay: Double?
        @Option(help: "USD per UTC month.") var costPerMonth: Double?
        @Option(help: "Calls per minute.") var requestsPerMinute: Int64?

        func run() throws {
            let limits = AIBudgetLimits(
                tokensPerDay: tokensPerDay,
                tokensPerMonth: tokensPerMonth,
                costPerDay: costPerDay,
                costPerMonth: costPerMonth,
                requestsPerMinute: requestsPerMinute
            )
            let path = "/ai/budgets/\(app.lowercased())"
            let client = try options.client()
            let answer: AIBudgetBody?
            if limits == AIBudgetLimits() {
                answer = try client.fetch(AIBudgetBody.self, "GET", path, json: options.json)
            } else {
                let body = try JSONEncoder().encode(limits)
                answer = try client.fetch(AIBudgetBody.self, "PUT", path, body: Array(body), json: options.json)
            }
            guard let answer else { return }
            func count(_ value: Int64?) -> String { value.map { $0.grouped } ?? "no limit" }
            func usd(_ value: Double?) -> String { value.map { String(format: "$%.2f", $0) } ?? "no limit" }
            let used = answer.usage
            print(
                "\(answer.app): AI \(answer.permitted ? "permitted" : "not permitted (needs \"permissions\": [\"ai\"] and 'fazt grant \(answer.app) ai')")"
            )
            Output.table(
                ["LIMIT", "USED", "MAX"],
                [
                    ["tokens today", used.tokensToday.grouped, count(answer.limits.tokensPerDay)],
                    ["tokens this month", used.tokensThisMonth.grouped, count(answer.limits.tokensPerMonth)],
                    ["cost today", String(format: "$%.4f", used.costToday), usd(answer.limits.costPerDay)],
                    ["cost this month", String(format: "$%.4f", used.costThisMonth), usd(answer.limits.costPerMonth)],
                    [
                        "requests last minute", used.requestsLastMinute.grouped,
                        count(answer.limits.requestsPerMinute),
                    ],
                ]
            )
        }
    }

    /// `fazt ai usage [APP]`.
    struct Usage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show AI usage totals per UTC day and model (of one app, or of all).",
            discussion: "Cost is in USD, from the model's prices at the time of each call."
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name (default: every app).") var app: String?
        @Option(help: "How many days back, today included (1-366).") var days = 30

        func run() throws {
            guard (1...366).contains(days) else { throw ValidationError("--days must be from 1 to 366") }
            let path = app.map { "/apps/\($0.lowercased())/ai/usage?days=\(days)" } ?? "/ai/usage?days=\(days)"
            guard let list = try options.client().fetch(AIUsageList.self, "GET", path, json: options.json) else {
                return
            }
            guard !list.usage.isEmpty else {
                print("no AI calls in the last \(list.days) days")
                return
            }
            Output.table(
                ["DAY", "APP", "MODEL", "CALLS", "ERRORS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "COST"],
                list.usage.map {
                    [
                        $0.day, $0.app, $0.model, "\($0.calls)", "\($0.errors)", "\($0.inputTokens)",
                        "\($0.outputTokens)", "\($0.cacheReadTokens)", "\($0.cacheWriteTokens)",
                        String(format: "$%.4f", $0.cost),
                    ]
                }
            )
        }
    }
}

extension Int64 {
    /// `98000` as `98,000`.
    fileprivate var grouped: String {
        let digits = String(magnitude)
        var out = self < 0 ? "-" : ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}

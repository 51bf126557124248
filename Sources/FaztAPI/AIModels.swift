/// One language-model provider (`GET /ai/providers`); never its key.
public struct AIProviderBody: Codable, Sendable, Equatable {
    public var name: String
    /// `openai`, `openai-compatible`, `anthropic` or `gemini`.
    public var type: String
    /// The base URL requests go to (the type's default when the owner gave none).
    public var baseURL: String
    /// Whether a key is stored (the key itself is never shown).
    public var keySet: Bool
    public var createdAt: Int64

    /// Creates a provider body.
    public init(name: String, type: String, baseURL: String, keySet: Bool, createdAt: Int64) {
        self.name = name
        self.type = type
        self.baseURL = baseURL
        self.keySet = keySet
        self.createdAt = createdAt
    }
}

/// `GET /ai/providers`.
public struct AIProviderList: Codable, Sendable {
    public var providers: [AIProviderBody]

    /// Creates a provider list.
    public init(providers: [AIProviderBody]) { self.providers = providers }
}

/// `POST /ai/providers`: adds a provider, or replaces the one of the same name.
public struct AIProviderAddBody: Codable, Sendable {
    public var name: String
    public var type: String
    /// Empty or absent: the type's default.
    public var baseURL: String?
    /// The API key; absent for providers that need none (a local Ollama).
    public var key: String?

    /// Creates an add request.
    public init(name: String, type: String, baseURL: String?, key: String?) {
        self.name = name
        self.type = type
        self.baseURL = baseURL
        self.key = key
    }
}

/// `POST /ai/providers/{name}/test`: the answer to a models-list request.
public struct AIProviderTestBody: Codable, Sendable {
    public var provider: String
    /// True when the provider answered 2xx.
    public var ok: Bool
    /// The HTTP status, 0 when no answer came.
    public var status: Int
    public var latencyMs: Int
    /// The model ids the provider listed.
    public var models: [String]
    /// The provider's error message (or why it could not be reached) when `ok` is false.
    public var error: String?

    /// Creates a test answer.
    public init(provider: String, ok: Bool, status: Int, latencyMs: Int, models: [String], error: String?) {
        self.provider = provider
        self.ok = ok
        self.status = status
        self.latencyMs = latencyMs
        self.models = models
        self.error = error
    }
}

/// A model alias (`GET /ai/models`, `POST /ai/models`).
public struct AIModelBody: Codable, Sendable, Equatable {
    public var alias: String
    public var provider: String
    /// The provider's model id.
    public var model: String
    /// Prices in USD per million tokens; nil when unknown (costs count as 0).
    public var inputPrice: Double?
    public var outputPrice: Double?
    public var cacheReadPrice: Double?
    public var cacheWritePrice: Double?
    /// The alias tried when this one fails.
    public var fallback: String?
    /// Whether apps get this model when they name none.
    public var isDefault: Bool

    enum CodingKeys: String, CodingKey {
        case alias, provider, model, inputPrice, outputPrice, cacheReadPrice, cacheWritePrice, fallback
        case isDefault = "default"
    }

    /// Creates a model body.
    public init(
        alias: String,
        provider: String,
        model: String,
        inputPrice: Double? = nil,
        outputPrice: Double? = nil,
        cacheReadPrice: Double? = nil,
        cacheWritePrice: Double? = nil,
        fallback: String? = nil,
        isDefault: Bool = false
    ) {
        self.alias = alias
        self.provider = provider
        self.model = model
        self.inputPrice = inputPrice
        self.outputPrice = outputPrice
        self.cacheReadPrice = cacheReadPrice
        self.cacheWritePrice = cacheWritePrice
        self.fallback = fallback
        self.isDefault = isDefault
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        alias = try container.decode(String.self, forKey: .alias)
        provider = try container.decode(String.self, forKey: .provider)
        model = try container.decode(String.self, forKey: .model)
        inputPrice = try container.decodeIfPresent(Double.self, forKey: .inputPrice)
        outputPrice = try container.decodeIfPresent(Double.self, forKey: .outputPrice)
        cacheReadPrice = try container.decodeIfPresent(Double.self, forKey: .cacheReadPrice)
        cacheWritePrice = try container.decodeIfPresent(Double.self, forKey: .cacheWritePrice)
        fallback = try container.decodeIfPresent(String.self, forKey: .fallback)
        isDefault = try container.decodeIfPresent(Bool.self, forKey: .isDefault) ?? false
    }
}

/// `GET /ai/models`.
public struct AIModelList: Codable, Sendable {
    public var models: [AIModelBody]

    /// Creates a model list.
    public init(models: [AIModelBody]) { self.models = models }
}

/// An app's AI limits (`PUT /ai/budgets/{app}`); nil is no limit.
///
/// In a `PUT`, an absent field keeps its value and 0 removes the limit.
public struct AIBudgetLimits: Codable, Sendable, Equatable {
    public var tokensPerDay: Int64?
    public var tokensPerMonth: Int64?
    /// USD.
    public var costPerDay: Double?
    /// USD.
    public var costPerMonth: Double?
    public var requestsPerMinute: Int64?

    /// Creates limits.
    public init(
        tokensPerDay: Int64? = nil,
        tokensPerMonth: Int64? = nil,
        costPerDay: Double? = nil,
        costPerMonth: Double? = nil,
        requestsPerMinute: Int64? = nil
    ) {
        self.tokensPerDay = tokensPerDay
        self.tokensPerMonth = tokensPerMonth
        self.costPerDay = costPerDay
        self.costPerMonth = costPerMonth
        self.requestsPerMinute = requestsPerMinute
    }
}

/// What an app used in the budget windows (UTC day and month, the last minute).
public struct AIBudgetUsage: Codable, Sendable, Equatable {
    public var tokensToday: Int64
    public var tokensThisMonth: Int64
    /// USD.
    public var costToday: Double
    /// USD.
    public var costThisMonth: Double
    public var requestsLastMinute: Int64

    /// Creates usage figures.
    public init(
        tokensToday: Int64,
        tokensThisMonth: Int64,
        costToday: Double,
        costThisMonth: Double,
        requestsLastMinute: Int64
    ) {
        self.tokensToday = tokensToday
        self.tokensThisMonth = tokensThisMonth
        self.costToday = costToday
        self.costThisMonth = costThisMonth
        self.requestsLastMinute = requestsLastMinute
    }
}

/// `GET /ai/budgets/{app}`: the limits, what was used, and whether the app may use AI.
public struct AIBudgetBody: Codable, Sendable {
    public var app: String
    public var limits: AIBudgetLimits
    public var usage: AIBudgetUsage
    /// True when the manifest asks for `ai` and the owner granted it.
    public var permitted: Bool

    /// Creates a budget answer.
    public init(app: String, limits: AIBudgetLimits, usage: AIBudgetUsage, permitted: Bool) {
        self.app = app
        self.limits = limits
        self.usage = usage
        self.permitted = permitted
    }
}

/// `GET /apps/{name}/ai/usage` and `GET /ai/usage`: totals per UTC day, app and model.
public struct AIUsageList: Codable, Sendable {
    /// One day's calls of one app to one model alias.
    public struct Row: Codable, Sendable, Equatable {
        /// `YYYY-MM-DD` (UTC).
        public var day: String
        public var app: String
        public var model: String
        public var calls: Int64
        public var errors: Int64
        public var inputTokens: Int64
        public var outputTokens: Int64
        public var cacheReadTokens: Int64
        public var cacheWriteTokens: Int64
        /// USD.
        public var cost: Double

        /// Creates a row.
        public init(
            day: String,
            app: String,
            model: String,
            calls: Int64,
            errors: Int64,
            inputTokens: Int64,
            outputTokens: Int64,
            cacheReadTokens: Int64,
            cacheWriteTokens: Int64,
            cost: Double
        ) {
            self.day = day
            self.app = app
            self.model = model
            self.calls = calls
            self.errors = errors
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.cacheReadTokens = cacheReadTokens
            self.cacheWriteTokens = cacheWriteTokens
            self.cost = cost
        }
    }

    /// The app asked about; nil for every app.
    public var app: String?
    public var days: Int
    public var usage: [Row]

    /// Creates a usage list.
    public init(app: String?, days: Int, usage: [Row]) {
        self.app = app
        self.days = days
        self.usage = usage
    }
}

/// `PUT /ai/default`.
public struct AIDefaultBody: Codable, Sendable {
    public var alias: String

    /// Creates the body.
    public init(alias: String) { self.alias = alias }
}

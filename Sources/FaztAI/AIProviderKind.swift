/// The wire protocol a provider speaks; raw values are the names used in configuration.
public enum AIProviderKind: String, Sendable, CaseIterable {
    case openAI = "openai"
    /// Any server that speaks OpenAI's Chat Completions (Ollama, llama.cpp, OpenRouter, Groq, …).
    case openAICompatible = "openai-compatible"
    case anthropic
    case gemini

    /// The base URL used when the endpoint names none; nil when the provider has no public default.
    public var defaultBaseURL: String? {
        switch self {
        case .openAI: "https://api.openai.com/v1"
        case .openAICompatible: nil
        case .anthropic: "https://api.anthropic.com"
        case .gemini: "https://generativelanguage.googleapis.com"
        }
    }

    var isOpenAIFamily: Bool { self == .openAI || self == .openAICompatible }
}

/// Where and how to reach one provider account.
public struct AIEndpoint: Sendable, Equatable {
    /// The protocol.
    public var kind: AIProviderKind
    /// The base URL; empty for the provider's default.
    public var baseURL: String
    /// The secret key; it goes in a header and nowhere else.
    public var apiKey: String

    /// Creates an endpoint.
    public init(kind: AIProviderKind, baseURL: String = "", apiKey: String) {
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    /// The base URL without a trailing slash, falling back to the provider's default.
    func resolvedBase() throws(AIRequestError) -> String {
        var base = baseURL.isEmpty ? (kind.defaultBaseURL ?? "") : baseURL
        guard !base.isEmpty else {
            throw AIRequestError("baseURL is required for provider kind \(kind.rawValue); set it to the server's URL")
        }
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
            throw AIRequestError("baseURL must start with https:// or http://")
        }
        return base
    }
}

extension AIEndpoint: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The endpoint without its key, safe to log.
    public var description: String { "AIEndpoint(\(kind.rawValue), \(baseURL.isEmpty ? "default" : baseURL))" }

    public var debugDescription: String { description }

    /// Reflection (`dump`, debuggers) leaves the key out.
    public var customMirror: Mirror {
        Mirror(self, children: ["kind": kind, "baseURL": baseURL], displayStyle: .struct)
    }
}

/// The wire protocols Fazt speaks to language-model providers.
public enum AIProviderType: String, Sendable, CaseIterable {
    case openAI = "openai"
    case openAICompatible = "openai-compatible"
    case anthropic
    case gemini

    /// Where requests go when the owner gives no base URL; nil when one is required.
    public var defaultBaseURL: String? {
        switch self {
        case .openAI: return "https://api.openai.com/v1"
        case .openAICompatible: return nil
        case .anthropic: return "https://api.anthropic.com"
        case .gemini: return "https://generativelanguage.googleapis.com"
        }
    }

    /// The type named `text`, else an `invalidArgument` error listing the types.
    public static func checked(_ text: String) throws -> AIProviderType {
        guard let type = AIProviderType(rawValue: text.lowercased()) else {
            throw KernelError(
                .invalidArgument,
                "unknown provider type '\(text)': use one of \(allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return type
    }
}

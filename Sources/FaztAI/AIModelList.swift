import FaztJSON

/// Model ids from a provider's "list models" response (see `AIWireRequest.models(endpoint:)`).
public enum AIModelList {
    /// The ids in the order the provider lists them; Gemini's `models/` prefix is removed.
    public static func ids(kind: AIProviderKind, body: [UInt8]) throws(AIRequestError) -> [String] {
        let json = try AIResult.parseBody(body)
        switch kind {
        case .openAI, .openAICompatible, .anthropic:
            guard let items = json["data"]?.arrayValue else { throw AIRequestError("models response has no data list") }
            return items.compactMap { $0["id"]?.stringValue }
        case .gemini:
            guard let items = json["models"]?.arrayValue else {
                throw AIRequestError("models response has no models list")
            }
            return items.compactMap { item in
                guard let name = item["name"]?.stringValue else { return nil }
                return name.hasPrefix("models/") ? String(name.dropFirst("models/".count)) : name
            }
        }
    }
}

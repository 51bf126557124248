import FaztJSON

/// One event of a model's answer, the same for every provider.
///
/// `json` is what JavaScript receives.
public enum AIStreamEvent: Sendable, Equatable {
    /// Text the model produced since the previous event.
    case textDelta(String)
    /// A fragment of a tool call's arguments; `id` and `name` come with the call's first fragment.
    case toolCallDelta(index: Int, id: String?, name: String?, argumentsDelta: String)
    /// A complete tool call; `arguments` is complete JSON text.
    case toolCall(AIToolCall)
    /// Tokens used by the whole call.
    case usage(AIUsage)
    /// The end of the answer; always the last event.
    case finish(AIFinishReason)
    /// A provider error; a `finish(.error)` follows.
    case error(code: String, message: String)

    /// The event's `type` as JavaScript sees it.
    public var type: String {
        switch self {
        case .textDelta: "text-delta"
        case .toolCallDelta: "tool-call-delta"
        case .toolCall: "tool-call"
        case .usage: "usage"
        case .finish: "finish"
        case .error: "error"
        }
    }

    /// The event as a JSON object, such as `{"type":"text-delta","text":"Hi"}`, for SSE or WebSocket output.
    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("type", .string(type))
        switch self {
        case .textDelta(let text):
            object.set("text", .string(text))
        case .toolCallDelta(let index, let id, let name, let argumentsDelta):
            object.set("index", .int(index))
            object.set("id", id.map(JSONValue.string))
            object.set("name", name.map(JSONValue.string))
            object.set("argumentsDelta", .string(argumentsDelta))
        case .toolCall(let call):
            object.set("id", .string(call.id))
            object.set("name", .string(call.name))
            object.set("arguments", .string(call.arguments))
        case .usage(let usage):
            object.set("inputTokens", .int(usage.inputTokens))
            object.set("outputTokens", .int(usage.outputTokens))
            object.set("cacheReadTokens", .int(usage.cacheReadTokens))
            object.set("cacheWriteTokens", .int(usage.cacheWriteTokens))
        case .finish(let reason):
            object.set("reason", .string(reason.rawValue))
        case .error(let code, let message):
            object.set("code", .string(code))
            object.set("message", .string(message))
        }
        return object.value
    }
}

/// Turns one provider's streamed HTTP body into `AIStreamEvent`s.
///
/// Feed the body's bytes as they come and
/// call `finish()` at its end; the events end with exactly one `finish`.
public protocol AIStreamNormalizer: Sendable {
    /// The events completed by `bytes` (an array, not any collection: a normalizer is used as
    /// `any AIStreamNormalizer`, and a generic parameter would then walk the body byte by byte
    /// through protocol witnesses).
    mutating func feed(_ bytes: [UInt8]) -> [AIStreamEvent]
    /// The events owed at the end of the body (pending tool calls, usage, the `finish`).
    mutating func finish() -> [AIStreamEvent]
    /// The provider's response id, once seen.
    var responseID: String? { get }
    /// The model that answered, once seen.
    var model: String? { get }
}

extension AIStreamNormalizer {
    /// The events completed by `bytes` of any collection (tests feed slices and string views).
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [AIStreamEvent] { feed(Array(bytes)) }
}

extension AIProviderKind {
    /// A fresh stream normalizer for this provider's streaming chat responses.
    public func makeStreamNormalizer() -> any AIStreamNormalizer {
        switch self {
        case .openAI, .openAICompatible: OpenAIChatStream()
        case .anthropic: AnthropicStream()
        case .gemini: GeminiStream()
        }
    }
}

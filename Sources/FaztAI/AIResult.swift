import FaztJSON

/// A model's whole answer, the same for every provider and for streamed and non-streamed calls.
public struct AIResult: Sendable, Equatable {
    /// The answer text.
    public var text: String
    /// Tool calls the model made, in order.
    public var toolCalls: [AIToolCall]
    /// Why the model stopped.
    public var finishReason: AIFinishReason
    /// Tokens used, when the provider reported them.
    public var usage: AIUsage?
    /// The model that answered, as the provider names it.
    public var model: String
    /// The provider's response id.
    public var id: String

    /// Creates a result.
    public init(
        text: String = "",
        toolCalls: [AIToolCall] = [],
        finishReason: AIFinishReason = .unknown,
        usage: AIUsage? = nil,
        model: String = "",
        id: String = ""
    ) {
        self.text = text
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
        self.model = model
        self.id = id
    }

    /// Parses a provider's successful (HTTP 2xx) non-streaming chat response body.
    public init(kind: AIProviderKind, body: [UInt8]) throws(AIRequestError) {
        let json = try Self.parseBody(body)
        switch kind {
        case .openAI, .openAICompatible: self = try Self.openAI(json)
        case .anthropic: self = try Self.anthropic(json)
        case .gemini: self = try Self.gemini(json)
        }
    }

    static func parseBody(_ body: [UInt8]) throws(AIRequestError) -> JSONValue {
        do {
            return try JSONValue.decode(body)
        } catch {
            throw AIRequestError("provider response is not JSON (\(error.description))")
        }
    }

    static func openAI(_ json: JSONValue) throws(AIRequestError) -> AIResult {
        guard let choice = json["choices"]?.arrayValue?.first, let message = choice["message"] else {
            throw AIRequestError("provider response has no choices[0].message")
        }
        var result = AIResult(model: json["model"]?.stringValue ?? "", id: json["id"]?.stringValue ?? "")
        result.text = message["content"]?.stringValue ?? ""
        for (index, call) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
            let function = call["function"]
            let arguments = function?["arguments"]?.stringValue ?? ""
            result.toolCalls.append(
                AIToolCall(
                    id: call["id"]?.stringValue ?? "call_\(index)",
                    name: function?["name"]?.stringValue ?? "",
                    arguments: arguments.isEmpty ? "{}" : arguments
                )
            )
        }
        let reason = choice["finish_reason"]?.stringValue.map(AIFinishReason.openAI) ?? .unknown
        result.finishReason = reason.adjusted(hasToolCalls: !result.toolCalls.isEmpty)
        if let usage = json["usage"], usage.objectMembers != nil { result.usage = AIUsage.openAI(usage) }
        return result
    }

    static func anthropic(_ json: JSONValue) throws(AIRequestError) -> AIResult {
        guard let blocks = json["content"]?.arrayValue else {
            throw AIRequestError("provider response has no content list")
        }
        var result = AIResult(model: json["model"]?.stringValue ?? "", id: json["id"]?.stringValue ?? "")
        for block in blocks {
            switch block["type"]?.stringValue {
            case "text": result.text += block["text"]?.stringValue ?? ""
            case "tool_use":
                result.toolCalls.append(
                    AIToolCall(
                        id: block["id"]?.stringValue ?? "call_\(result.toolCalls.count)",
                        name: block["name"]?.stringValue ?? "",
                        arguments: (block["input"] ?? .object([])).text
                    )
                )
            default: break
            }
        }
        result.finishReason = json["stop_reason"]?.stringValue.map(AIFinishReason.anthropic) ?? .unknown
        if let usage = json["usage"], usage.objectMembers != nil { result.usage = AIUsage().mergingAnthropic(usage) }
        return result
    }

    static func gemini(_ json: JSONValue) throws(AIRequestError) -> AIResult {
        var result = AIResult(model: json["modelVersion"]?.stringValue ?? "", id: json["responseId"]?.stringValue ?? "")
        if let metadata = json["usageMetadata"], metadata.objectMembers != nil {
            result.usage = AIUsage.gemini(metadata)
        }
        if json["promptFeedback"]?["blockReason"]?.stringValue != nil { result.finishReason = .contentFilter }
        guard let candidate = json["candidates"]?.arrayValue?.first else {
            guard result.finishReason == .contentFilter else {
                throw AIRequestError("provider response has no candidates")
            }
            return result
        }
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
            if let call = GeminiParts.toolCall(part, ordinal: result.toolCalls.count) {
                result.toolCalls.append(call)
            } else if let text = GeminiParts.text(part) {
                result.text += text
            }
        }
        let reason = candidate["finishReason"]?.stringValue.map(AIFinishReason.gemini) ?? .unknown
        result.finishReason = reason.adjusted(hasToolCalls: !result.toolCalls.isEmpty)
        return result
    }
}

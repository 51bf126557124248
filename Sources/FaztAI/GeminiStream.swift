import FaztJSON

/// Normalizes a Gemini `streamGenerateContent?alt=sse` stream.
///
/// Each `data:` is a whole `GenerateContentResponse`. There is no end sentinel, so `usage` and `finish` come from `finish()`.
public struct GeminiStream: AIStreamNormalizer {
    private var decoder: SSEDecoder
    private var callCount = 0
    private var usage: AIUsage?
    private var finishReason: AIFinishReason?
    private var done = false
    public private(set) var responseID: String?
    public private(set) var model: String?

    /// Creates a normalizer at the start of a body; `maxLineBytes` bounds one SSE line.
    public init(maxLineBytes: Int = 16 << 20) {
        decoder = SSEDecoder(maxLineBytes: maxLineBytes)
    }

    public mutating func feed(_ bytes: [UInt8]) -> [AIStreamEvent] {
        var events: [AIStreamEvent] = []
        for event in decoder.feed(bytes) { handle(event.data, into: &events) }
        if let overflow = decoder.overflowFailure, !done {
            fail(code: overflow.code, message: overflow.message, into: &events)
        }
        return events
    }

    public mutating func finish() -> [AIStreamEvent] {
        var events: [AIStreamEvent] = []
        for event in decoder.finish() { handle(event.data, into: &events) }
        guard !done else { return events }
        done = true
        if let usage { events.append(.usage(usage)) }
        events.append(.finish((finishReason ?? .unknown).adjusted(hasToolCalls: callCount > 0)))
        return events
    }

    private mutating func handle(_ data: String, into events: inout [AIStreamEvent]) {
        // Some proxies send `data:` lines with nothing in them as keep-alives.
        guard !done, !data.isEmpty else { return }
        guard let response = JSONValue.parse(data) else {
            fail(code: "invalid_stream", message: "provider sent a stream event that is not JSON", into: &events)
            return
        }
        if let error = response["error"], error.objectMembers != nil {
            let code = error["status"]?.stringValue ?? error["code"].map(\.text) ?? "provider_error"
            fail(code: code, message: error["message"]?.stringValue ?? "provider error", into: &events)
            return
        }
        if responseID == nil { responseID = response["responseId"]?.stringValue }
        if model == nil { model = response["modelVersion"]?.stringValue }
        if let metadata = response["usageMetadata"], metadata.objectMembers != nil { usage = AIUsage.gemini(metadata) }
        if response["promptFeedback"]?["blockReason"]?.stringValue != nil { finishReason = .contentFilter }
        guard let candidate = response["candidates"]?.arrayValue?.first else { return }
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
            if let call = GeminiParts.toolCall(part, ordinal: callCount) {
                events.append(
                    .toolCallDelta(index: callCount, id: call.id, name: call.name, argumentsDelta: call.arguments)
                )
                events.append(.toolCall(call))
                callCount += 1
            } else if let text = GeminiParts.text(part), !text.isEmpty {
                events.append(.textDelta(text))
            }
        }
        if let reason = candidate["finishReason"]?.stringValue { finishReason = AIFinishReason.gemini(reason) }
    }

    private mutating func fail(code: String, message: String, into events: inout [AIStreamEvent]) {
        done = true
        events.append(.error(code: code, message: String(message.prefix(AIProviderError.messageLimit))))
        events.append(.finish(.error))
    }
}

/// Reading Gemini `parts`, shared by the stream and the whole-response parser.
enum GeminiParts {
    /// The answer text of a part; thought summaries are not answer text.
    static func text(_ part: JSONValue) -> String? {
        guard part["thought"]?.boolValue != true else { return nil }
        return part["text"]?.stringValue
    }

    /// A `functionCall` part as a tool call; Gemini often gives no id, so one is made from the call's ordinal.
    static func toolCall(_ part: JSONValue, ordinal: Int) -> AIToolCall? {
        guard let call = part["functionCall"], let name = call["name"]?.stringValue else { return nil }
        let id = call["id"]?.stringValue ?? "call_\(ordinal)"
        return AIToolCall(id: id, name: name, arguments: (call["args"] ?? .object([])).text)
    }
}

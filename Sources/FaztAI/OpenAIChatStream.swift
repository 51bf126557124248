import FaztJSON

/// Normalizes an OpenAI Chat Completions stream (also OpenAI-compatible servers): `data: {chunk}` lines
/// ending with `data: [DONE]`.
///
/// Tool-call argument fragments are passed on as `tool-call-delta` and collected per `index`; complete
/// `tool-call` events follow when `finish_reason` arrives, or at the end of the body when it never does.
/// `usage` (from the usage-only last chunk) and `finish` come last, even without `[DONE]`.
public struct OpenAIChatStream: AIStreamNormalizer {
    private struct PendingCall {
        var index: Int
        var id: String
        var name: String
        var arguments: String
    }

    private var decoder: SSEDecoder
    private var pending: [PendingCall] = []
    private var emittedCalls = false
    private var finishReason: AIFinishReason?
    private var usage: AIUsage?
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
        end(into: &events)
        return events
    }

    private mutating func handle(_ data: String, into events: inout [AIStreamEvent]) {
        // Some proxies send `data:` lines with nothing in them as keep-alives.
        guard !done, !data.isEmpty else { return }
        if data == "[DONE]" {
            end(into: &events)
            return
        }
        guard let chunk = JSONValue.parse(data) else {
            fail(code: "invalid_stream", message: "provider sent a stream chunk that is not JSON", into: &events)
            return
        }
        if let error = chunk["error"], error.objectMembers != nil {
            let code = error["code"]?.stringValue ?? error["type"]?.stringValue ?? "provider_error"
            fail(code: code, message: error["message"]?.stringValue ?? "provider error", into: &events)
            return
        }
        if responseID == nil { responseID = chunk["id"]?.stringValue }
        if model == nil { model = chunk["model"]?.stringValue }
        // Every chunk but the last carries `usage: null` when include_usage is on.
        if let usage = chunk["usage"], usage.objectMembers != nil { self.usage = AIUsage.openAI(usage) }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return }
        if let delta = choice["delta"] {
            if let text = delta["content"]?.stringValue, !text.isEmpty { events.append(.textDelta(text)) }
            for fragment in delta["tool_calls"]?.arrayValue ?? [] { collect(fragment, into: &events) }
        }
        if let reason = choice["finish_reason"]?.stringValue {
            finishReason = AIFinishReason.openAI(reason)
            flushCalls(into: &events)
        }
    }

    private mutating func collect(_ fragment: JSONValue, into events: inout [AIStreamEvent]) {
        let index = fragment["index"]?.intValue ?? 0
        let id = fragment["id"]?.stringValue
        let name = fragment["function"]?["name"]?.stringValue
        let arguments = fragment["function"]?["arguments"]?.stringValue ?? ""
        if let position = pending.firstIndex(where: { $0.index == index }) {
            if let id, pending[position].id.isEmpty { pending[position].id = id }
            // Some compatible servers repeat the name in every fragment: set it, never append.
            if let name, !name.isEmpty { pending[position].name = name }
            pending[position].arguments += arguments
        } else {
            pending.append(PendingCall(index: index, id: id ?? "", name: name ?? "", arguments: arguments))
        }
        events.append(.toolCallDelta(index: index, id: id, name: name, argumentsDelta: arguments))
    }

    private mutating func flushCalls(into events: inout [AIStreamEvent]) {
        for call in pending.sorted(by: { $0.index < $1.index }) {
            let id = call.id.isEmpty ? "call_\(call.index)" : call.id
            let arguments = call.arguments.isEmpty ? "{}" : call.arguments
            events.append(.toolCall(AIToolCall(id: id, name: call.name, arguments: arguments)))
            emittedCalls = true
        }
        pending.removeAll()
    }

    private mutating func end(into events: inout [AIStreamEvent]) {
        guard !done else { return }
        done = true
        flushCalls(into: &events)
        if let usage { events.append(.usage(usage)) }
        events.append(.finish((finishReason ?? .unknown).adjusted(hasToolCalls: emittedCalls)))
    }

    private mutating func fail(code: String, message: String, into events: inout [AIStreamEvent]) {
        done = true
        pending.removeAll()
        events.append(.error(code: code, message: String(message.prefix(AIProviderError.messageLimit))))
        events.append(.finish(.error))
    }
}

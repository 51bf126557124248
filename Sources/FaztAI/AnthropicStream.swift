import FaztJSON

/// Normalizes an Anthropic Messages stream: `message_start`, content blocks (`content_block_start`,
/// `content_block_delta`, `content_block_stop`), `message_delta`, `message_stop`, with `ping` anywhere and
/// `error` possible after partial output (the text already emitted stands; nothing is re-emitted).
public struct AnthropicStream: AIStreamNormalizer {
    private struct ToolBlock {
        var callIndex: Int
        var id: String
        var name: String
        var json: String
    }

    private var decoder: SSEDecoder
    private var toolBlocks: [Int: ToolBlock] = [:]
    private var callCount = 0
    private var usage: AIUsage?
    private var stopReason: AIFinishReason?
    private var done = false
    public private(set) var responseID: String?
    public private(set) var model: String?

    /// Creates a normalizer at the start of a body; `maxLineBytes` bounds one SSE line.
    public init(maxLineBytes: Int = 16 << 20) {
        decoder = SSEDecoder(maxLineBytes: maxLineBytes)
    }

    public mutating func feed(_ bytes: [UInt8]) -> [AIStreamEvent] {
        var events: [AIStreamEvent] = []
        for event in decoder.feed(bytes) { handle(event, into: &events) }
        if let overflow = decoder.overflowFailure, !done {
            fail(code: overflow.code, message: overflow.message, into: &events)
        }
        return events
    }

    public mutating func finish() -> [AIStreamEvent] {
        var events: [AIStreamEvent] = []
        for event in decoder.finish() { handle(event, into: &events) }
        // A body cut before `message_stop` still closes the blocks it started.
        for index in toolBlocks.keys.sorted() { closeBlock(index, into: &events) }
        end(into: &events)
        return events
    }

    private mutating func handle(_ event: SSEEvent, into events: inout [AIStreamEvent]) {
        // Some proxies send `data:` lines with nothing in them as keep-alives.
        guard !done, !event.data.isEmpty else { return }
        guard let json = JSONValue.parse(event.data) else {
            fail(code: "invalid_stream", message: "provider sent a stream event that is not JSON", into: &events)
            return
        }
        let type = json["type"]?.stringValue ?? event.event
        switch type {
        case "message_start":
            let message = json["message"]
            responseID = message?["id"]?.stringValue
            model = message?["model"]?.stringValue
            if let usage = message?["usage"] { self.usage = AIUsage().mergingAnthropic(usage) }
        case "content_block_start":
            guard let index = json["index"]?.intValue, let block = json["content_block"] else { return }
            start(block, at: index, into: &events)
        case "content_block_delta":
            guard let index = json["index"]?.intValue, let delta = json["delta"] else { return }
            switch delta["type"]?.stringValue {
            case "text_delta":
                if let text = delta["text"]?.stringValue, !text.isEmpty { events.append(.textDelta(text)) }
            case "input_json_delta":
                guard var block = toolBlocks[index] else { return }
                let part = delta["partial_json"]?.stringValue ?? ""
                block.json += part
                toolBlocks[index] = block
                events.append(.toolCallDelta(index: block.callIndex, id: nil, name: nil, argumentsDelta: part))
            default: break  // thinking, signature and citation deltas are not part of the answer text
            }
        case "content_block_stop":
            if let index = json["index"]?.intValue { closeBlock(index, into: &events) }
        case "message_delta":
            if let reason = json["delta"]?["stop_reason"]?.stringValue { stopReason = AIFinishReason.anthropic(reason) }
            // Usage here is cumulative: it replaces what message_start said.
            if let delta = json["usage"] { usage = (usage ?? AIUsage()).mergingAnthropic(delta) }
        case "message_stop":
            end(into: &events)
        case "error":
            let error = json["error"]
            fail(
                code: error?["type"]?.stringValue ?? "provider_error",
                message: error?["message"]?.stringValue ?? "provider error",
                into: &events
            )
        default: break  // ping, and event types added later
        }
    }

    private mutating func start(_ block: JSONValue, at index: Int, into events: inout [AIStreamEvent]) {
        switch block["type"]?.stringValue {
        case "text":
            if let text = block["text"]?.stringValue, !text.isEmpty { events.append(.textDelta(text)) }
        case "tool_use":
            let id = block["id"]?.stringValue ?? "call_\(callCount)"
            let name = block["name"]?.stringValue ?? ""
            toolBlocks[index] = ToolBlock(callIndex: callCount, id: id, name: name, json: "")
            events.append(.toolCallDelta(index: callCount, id: id, name: name, argumentsDelta: ""))
            callCount += 1
        default: break
        }
    }

    private mutating func closeBlock(_ index: Int, into events: inout [AIStreamEvent]) {
        guard let block = toolBlocks.removeValue(forKey: index) else { return }
        events.append(.toolCall(AIToolCall(id: block.id, name: block.name, arguments: Self.canonical(block.json))))
    }

    /// Arguments as compact JSON text, the same whether they were streamed or came as one object.
    static func canonical(_ json: String) -> String {
        guard !json.isEmpty else { return "{}" }
        return JSONValue.parse(json)?.text ?? json
    }

    private mutating func end(into events: inout [AIStreamEvent]) {
        guard !done else { return }
        done = true
        if let usage { events.append(.usage(usage)) }
        events.append(.finish(stopReason ?? .unknown))
    }

    private mutating func fail(code: String, message: String, into events: inout [AIStreamEvent]) {
        done = true
        toolBlocks.removeAll()
        events.append(.error(code: code, message: String(message.prefix(AIProviderError.messageLimit))))
        events.append(.finish(.error))
    }
}

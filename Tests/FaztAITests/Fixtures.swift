import FaztAI
import FaztJSON

/// Hand-written provider bodies, in each vendor's documented wire format.
enum Fixtures {
    /// OpenAI chat stream: multi-byte text, two interleaved tool calls split mid-token, the usage-only chunk.
    static let openAIStream = #"""
        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Café 😀 "},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"日本"},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Par"}}]},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_def","type":"function","function":{"name":"get_time","arguments":"{\"tz\""}}]},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"is\"}"}}]},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":":\"CET\"}"}}]},"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":40,"total_tokens":1240,"prompt_tokens_details":{"cached_tokens":1000},"completion_tokens_details":{"reasoning_tokens":0}}}

        data: [DONE]


        """#

    /// The same answer as `openAIStream`, not streamed.
    static let openAIResponse = #"""
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Café 😀 日本","tool_calls":[{"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_def","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"CET\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1200,"completion_tokens":40,"total_tokens":1240,"prompt_tokens_details":{"cached_tokens":1000}}}
        """#

    /// The events `openAIStream` must give, in order.
    static let openAIEvents: [AIStreamEvent] = [
        .textDelta("Café 😀 "),
        .textDelta("日本"),
        .toolCallDelta(index: 0, id: "call_abc", name: "get_weather", argumentsDelta: ""),
        .toolCallDelta(index: 0, id: nil, name: nil, argumentsDelta: #"{"ci"#),
        .toolCallDelta(index: 0, id: nil, name: nil, argumentsDelta: #"ty":"Par"#),
        .toolCallDelta(index: 1, id: "call_def", name: "get_time", argumentsDelta: #"{"tz""#),
        .toolCallDelta(index: 0, id: nil, name: nil, argumentsDelta: #"is"}"#),
        .toolCallDelta(index: 1, id: nil, name: nil, argumentsDelta: #":"CET"}"#),
        .toolCall(AIToolCall(id: "call_abc", name: "get_weather", arguments: #"{"city":"Paris"}"#)),
        .toolCall(AIToolCall(id: "call_def", name: "get_time", arguments: #"{"tz":"CET"}"#)),
        .usage(AIUsage(inputTokens: 200, outputTokens: 40, cacheReadTokens: 1000)),
        .finish(.toolCalls),
    ]

    /// Anthropic stream: pings, a thinking block, text, a tool_use block with input_json_delta, cache usage.
    static let anthropicStream = #"""
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":1000,"cache_read_input_tokens":3000,"output_tokens":1}}}

        event: ping
        data: {"type": "ping"}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user wants weather."}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Let me check "}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"the weather in 日本."}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: content_block_start
        data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ris\", \"days\": 2}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":2}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

        event: message_stop
        data: {"type":"message_stop"}


        """#

    /// The same answer as `anthropicStream`, not streamed.
    static let anthropicResponse = #"""
        {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"thinking","thinking":"The user wants weather.","signature":"x"},{"type":"text","text":"Let me check the weather in 日本."},{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris","days":2}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":1000,"cache_read_input_tokens":3000,"output_tokens":89}}
        """#

    /// The events `anthropicStream` must give, in order.
    static let anthropicEvents: [AIStreamEvent] = [
        .textDelta("Let me check "),
        .textDelta("the weather in 日本."),
        .toolCallDelta(index: 0, id: "toolu_01", name: "get_weather", argumentsDelta: ""),
        .toolCallDelta(index: 0, id: nil, name: nil, argumentsDelta: ""),
        .toolCallDelta(index: 0, id: nil, name: nil, argumentsDelta: #"{"city": "Pa"#),
        .toolCallDelta(index: 0, id: nil, name: nil, argumentsDelta: #"ris", "days": 2}"#),
        .toolCall(AIToolCall(id: "toolu_01", name: "get_weather", arguments: #"{"city":"Paris","days":2}"#)),
        .usage(AIUsage(inputTokens: 25, outputTokens: 89, cacheReadTokens: 3000, cacheWriteTokens: 1000)),
        .finish(.toolCalls),
    ]

    /// Anthropic stream that fails with `overloaded_error` after partial text.
    static let anthropicOverloaded = #"""
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello, wor"}}

        event: error
        data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}


        """#

    /// Gemini stream: usage only complete in the last frame, no sentinel, no blank line after the last event.
    static let geminiStream = #"""
        data: {"candidates":[{"content":{"parts":[{"text":"Bonjour"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":1200,"totalTokenCount":1200},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}

        data: {"candidates":[{"content":{"parts":[{"text":"I should greet.","thought":true},{"text":" le monde, 😀"}],"role":"model"},"index":0}],"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}

        data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1200,"candidatesTokenCount":30,"thoughtsTokenCount":12,"cachedContentTokenCount":1000,"totalTokenCount":1242},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
        """#

    /// The same answer as `geminiStream`, not streamed.
    static let geminiResponse = #"""
        {"candidates":[{"content":{"parts":[{"text":"I should greet.","thought":true},{"text":"Bonjour le monde, 😀"},{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1200,"candidatesTokenCount":30,"thoughtsTokenCount":12,"cachedContentTokenCount":1000,"totalTokenCount":1242},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
        """#

    /// The events `geminiStream` must give, in order.
    static let geminiEvents: [AIStreamEvent] = [
        .textDelta("Bonjour"),
        .textDelta(" le monde, 😀"),
        .toolCallDelta(index: 0, id: "call_0", name: "get_weather", argumentsDelta: #"{"city":"Paris"}"#),
        .toolCall(AIToolCall(id: "call_0", name: "get_weather", arguments: #"{"city":"Paris"}"#)),
        .usage(AIUsage(inputTokens: 200, outputTokens: 42, cacheReadTokens: 1000)),
        .finish(.toolCalls),
    ]
}

/// Runs a body through a fresh normalizer, fed in the given chunks, and ends it.
func normalize<N: AIStreamNormalizer>(_ normalizer: N, _ chunks: [[UInt8]]) -> (events: [AIStreamEvent], state: N) {
    var normalizer = normalizer
    var events: [AIStreamEvent] = []
    for chunk in chunks { events += normalizer.feed(chunk) }
    events += normalizer.finish()
    return (events, normalizer)
}

/// `text` as UTF-8, cut at the given byte offsets.
func chunks(_ text: String, cuts: [Int]) -> [[UInt8]] {
    let bytes = Array(text.utf8)
    var result: [[UInt8]] = []
    var start = 0
    for cut in cuts.sorted() where cut > start && cut < bytes.count {
        result.append(Array(bytes[start..<cut]))
        start = cut
    }
    result.append(Array(bytes[start...]))
    return result
}

/// `text` as single bytes.
func bytewise(_ text: String) -> [[UInt8]] { text.utf8.map { [$0] } }

/// `text` with every `\n` turned into `\r\n`.
func crlf(_ text: String) -> String {
    String(decoding: text.utf8.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }, as: UTF8.self)
}

/// Parses JSON bytes the tests expect to be valid.
func json(_ bytes: [UInt8]) -> JSONValue {
    (try? JSONValue.decode(bytes)) ?? .string("<invalid JSON>")
}

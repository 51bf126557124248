import FaztJSON

extension AIUsage {
    /// OpenAI's `usage`: `prompt_tokens` includes cached tokens, which are taken out of fresh input.
    static func openAI(_ json: JSONValue) -> AIUsage {
        let prompt = json["prompt_tokens"]?.intValue ?? 0
        let cached = json["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0
        return AIUsage(
            inputTokens: max(0, prompt - cached),
            outputTokens: json["completion_tokens"]?.intValue ?? 0,
            cacheReadTokens: cached
        )
    }

    /// Anthropic's `usage`, merged into `self`.
    ///
    /// `input_tokens` already excludes cache reads and writes. Members absent from
    /// `json` keep their value in `self`, because stream events carry usage piecemeal.
    func mergingAnthropic(_ json: JSONValue) -> AIUsage {
        var usage = self
        if let value = json["input_tokens"]?.intValue { usage.inputTokens = value }
        if let value = json["output_tokens"]?.intValue { usage.outputTokens = value }
        if let value = json["cache_read_input_tokens"]?.intValue { usage.cacheReadTokens = value }
        if let value = json["cache_creation_input_tokens"]?.intValue { usage.cacheWriteTokens = value }
        return usage
    }

    /// Gemini's `usageMetadata`: the prompt count includes cached tokens; thinking tokens are output.
    static func gemini(_ json: JSONValue) -> AIUsage {
        let prompt = json["promptTokenCount"]?.intValue ?? 0
        let cached = json["cachedContentTokenCount"]?.intValue ?? 0
        let output = (json["candidatesTokenCount"]?.intValue ?? 0) + (json["thoughtsTokenCount"]?.intValue ?? 0)
        return AIUsage(inputTokens: max(0, prompt - cached), outputTokens: output, cacheReadTokens: cached)
    }
}

extension AIFinishReason {
    static func openAI(_ reason: String) -> AIFinishReason {
        switch reason {
        case "stop": .stop
        case "length": .length
        case "tool_calls", "function_call": .toolCalls
        case "content_filter": .contentFilter
        default: .unknown
        }
    }

    static func anthropic(_ reason: String) -> AIFinishReason {
        switch reason {
        case "end_turn", "stop_sequence": .stop
        case "max_tokens", "model_context_window_exceeded": .length
        case "tool_use": .toolCalls
        case "refusal": .contentFilter
        default: .unknown
        }
    }

    static func gemini(_ reason: String) -> AIFinishReason {
        switch reason {
        case "STOP": .stop
        case "MAX_TOKENS": .length
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": .contentFilter
        default: .unknown
        }
    }

    /// Some providers say "stop" when the turn ended in tool calls; callers look at `tool-calls`.
    func adjusted(hasToolCalls: Bool) -> AIFinishReason {
        self == .stop && hasToolCalls ? .toolCalls : self
    }
}

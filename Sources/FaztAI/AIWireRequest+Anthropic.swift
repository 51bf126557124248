import FaztJSON

extension AIWireRequest {
    /// Anthropic requires `max_tokens`; this is used when the app gives none.
    public static let anthropicDefaultMaxTokens = 1024

    static func anthropicChat(
        endpoint: AIEndpoint,
        model: String,
        request: AIRequest,
        stream: Bool
    ) throws(AIRequestError) -> AIWireRequest {
        let base = try endpoint.resolvedBase()
        var systemParts = request.system.map { [$0] } ?? []
        systemParts += request.messages.filter { $0.role == .system }.map(\.content)
        if let instruction = jsonInstruction(request.responseFormat) { systemParts.append(instruction) }

        var body = JSONObjectBuilder()
        body.set("model", .string(model))
        body.set("max_tokens", .int(request.maxTokens ?? anthropicDefaultMaxTokens))
        let system = systemParts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !system.isEmpty { body.set("system", .string(system)) }
        body.set("messages", .array(try anthropicMessages(request.messages)))
        // Anthropic's range is 0 to 1 where the others allow 2; higher values are capped, not refused.
        body.set("temperature", request.temperature.map { JSONValue.number(min($0, 1)) })
        if !request.stop.isEmpty { body.set("stop_sequences", .array(request.stop.map(JSONValue.string))) }
        if !request.tools.isEmpty {
            body.set("tools", .array(request.tools.map(anthropicTool)))
            body.set("tool_choice", request.toolChoice.map(anthropicToolChoice))
        }
        if stream { body.set("stream", .bool(true)) }
        return AIWireRequest(
            method: "POST",
            url: base + "/v1/messages",
            headers: anthropicHeaders(endpoint, json: true),
            body: body.value.bytes
        )
    }

    /// Messages as content blocks; tool results ride in user turns and consecutive turns of one role merge,
    /// because Anthropic wants user and assistant turns to alternate.
    static func anthropicMessages(_ messages: [AIMessage]) throws(AIRequestError) -> [JSONValue] {
        var turns: [(role: String, blocks: [JSONValue])] = []
        for message in messages where message.role != .system {
            var blocks: [JSONValue] = []
            let role: String
            switch message.role {
            case .system: continue
            case .user:
                role = "user"
                blocks.append(textBlock(message.content))
            case .assistant:
                role = "assistant"
                if !message.content.isEmpty { blocks.append(textBlock(message.content)) }
                for call in message.toolCalls {
                    blocks.append(
                        .object([
                            ("type", .string("tool_use")), ("id", .string(call.id)), ("name", .string(call.name)),
                            ("input", JSONValue.parse(call.arguments) ?? .object([])),
                        ])
                    )
                }
            case .tool:
                role = "user"
                blocks.append(
                    .object([
                        ("type", .string("tool_result")), ("tool_use_id", .string(message.toolCallID ?? "")),
                        ("content", .string(message.content)),
                    ])
                )
            }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        guard !turns.isEmpty else { throw AIRequestError("messages must hold at least one user message") }
        return turns.map { .object([("role", .string($0.role)), ("content", .array($0.blocks))]) }
    }

    static func textBlock(_ text: String) -> JSONValue {
        .object([("type", .string("text")), ("text", .string(text))])
    }

    static func anthropicTool(_ tool: AITool) -> JSONValue {
        var item = JSONObjectBuilder()
        item.set("name", .string(tool.name))
        if !tool.description.isEmpty { item.set("description", .string(tool.description)) }
        item.set("input_schema", tool.parameters)
        return item.value
    }

    static func anthropicToolChoice(_ choice: AIToolChoice) -> JSONValue {
        switch choice {
        case .auto: .object([("type", .string("auto"))])
        case .none: .object([("type", .string("none"))])
        case .required: .object([("type", .string("any"))])
        case .tool(let name): .object([("type", .string("tool")), ("name", .string(name))])
        }
    }
}

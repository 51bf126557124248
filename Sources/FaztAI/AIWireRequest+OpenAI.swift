import FaztJSON

extension AIWireRequest {
    static func openAIChat(
        endpoint: AIEndpoint,
        model: String,
        request: AIRequest,
        stream: Bool
    ) throws(AIRequestError) -> AIWireRequest {
        let base = try endpoint.resolvedBase()
        var body = JSONObjectBuilder()
        body.set("model", .string(model))
        body.set("messages", .array(openAIMessages(request)))
        body.set("temperature", request.temperature.map(JSONValue.number))
        let tokenKey = endpoint.kind == .openAI ? "max_completion_tokens" : "max_tokens"
        body.set(tokenKey, request.maxTokens.map(JSONValue.int))
        if !request.stop.isEmpty { body.set("stop", .array(request.stop.map(JSONValue.string))) }
        switch request.responseFormat {
        case .text: break
        case .json: body.set("response_format", .object([("type", .string("json_object"))]))
        case .schema(let schema):
            let spec: JSONValue = .object([("name", .string("response")), ("schema", schema)])
            body.set("response_format", .object([("type", .string("json_schema")), ("json_schema", spec)]))
        }
        // A tool choice without tools is a 400 at OpenAI: both go, or neither.
        if !request.tools.isEmpty {
            body.set("tools", .array(request.tools.map(openAITool)))
            body.set("tool_choice", request.toolChoice.map(openAIToolChoice))
        }
        if stream {
            body.set("stream", .bool(true))
            // Without this, OpenAI and most compatible servers send no usage at all when streaming.
            body.set("stream_options", .object([("include_usage", .bool(true))]))
        }
        return AIWireRequest(
            method: "POST",
            url: base + "/chat/completions",
            headers: openAIHeaders(endpoint, json: true),
            body: body.value.bytes
        )
    }

    static func openAIMessages(_ request: AIRequest) -> [JSONValue] {
        var messages: [JSONValue] = []
        var system = request.system ?? ""
        // OpenAI rejects json_object mode unless some message mentions JSON.
        if request.responseFormat == .json,
            !(system + request.messages.map(\.content).joined()).lowercased().contains("json")
        {
            system += (system.isEmpty ? "" : "\n\n") + "Respond in JSON."
        }
        if !system.isEmpty {
            messages.append(.object([("role", .string("system")), ("content", .string(system))]))
        }
        for message in request.messages {
            var item = JSONObjectBuilder()
            item.set("role", .string(message.role.rawValue))
            switch message.role {
            case .system, .user:
                item.set("content", .string(message.content))
            case .assistant:
                let empty = message.content.isEmpty && !message.toolCalls.isEmpty
                item.set("content", empty ? .null : .string(message.content))
                if !message.toolCalls.isEmpty {
                    item.set("tool_calls", .array(message.toolCalls.map(openAIToolCall)))
                }
            case .tool:
                item.set("tool_call_id", .string(message.toolCallID ?? ""))
                item.set("content", .string(message.content))
            }
            messages.append(item.value)
        }
        return messages
    }

    static func openAIToolCall(_ call: AIToolCall) -> JSONValue {
        let function: JSONValue = .object([("name", .string(call.name)), ("arguments", .string(call.arguments))])
        return .object([("id", .string(call.id)), ("type", .string("function")), ("function", function)])
    }

    static func openAITool(_ tool: AITool) -> JSONValue {
        var function = JSONObjectBuilder()
        function.set("name", .string(tool.name))
        if !tool.description.isEmpty { function.set("description", .string(tool.description)) }
        function.set("parameters", tool.parameters)
        return .object([("type", .string("function")), ("function", function.value)])
    }

    static func openAIToolChoice(_ choice: AIToolChoice) -> JSONValue {
        switch choice {
        case .auto: .string("auto")
        case .none: .string("none")
        case .required: .string("required")
        case .tool(let name):
            .object([("type", .string("function")), ("function", .object([("name", .string(name))]))])
        }
    }
}

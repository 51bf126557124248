import FaztJSON

extension AIWireRequest {
    static func geminiChat(
        endpoint: AIEndpoint,
        model: String,
        request: AIRequest,
        stream: Bool
    ) throws(AIRequestError) -> AIWireRequest {
        let base = try endpoint.resolvedBase()
        let modelPath = geminiModelPath(model)
        let url =
            stream
            ? "\(base)/v1beta/\(modelPath):streamGenerateContent?alt=sse"
            : "\(base)/v1beta/\(modelPath):generateContent"

        var body = JSONObjectBuilder()
        body.set("contents", .array(try geminiContents(request.messages)))
        var systemParts = request.system.map { [$0] } ?? []
        systemParts += request.messages.filter { $0.role == .system }.map(\.content)
        let system = systemParts.filter { !$0.isEmpty }.joined(separator: "\n\n")
        if !system.isEmpty {
            body.set("systemInstruction", .object([("parts", .array([.object([("text", .string(system))])]))]))
        }
        if !request.tools.isEmpty {
            let declarations = JSONValue.array(request.tools.map(geminiTool))
            body.set("tools", .array([.object([("functionDeclarations", declarations)])]))
            body.set("toolConfig", request.toolChoice.map(geminiToolConfig))
        }
        var config = JSONObjectBuilder()
        config.set("temperature", request.temperature.map(JSONValue.number))
        config.set("maxOutputTokens", request.maxTokens.map(JSONValue.int))
        if !request.stop.isEmpty { config.set("stopSequences", .array(request.stop.map(JSONValue.string))) }
        switch request.responseFormat {
        case .text: break
        case .json: config.set("responseMimeType", .string("application/json"))
        case .schema(let schema):
            config.set("responseMimeType", .string("application/json"))
            config.set("responseSchema", schema)
        }
        if !config.members.isEmpty { body.set("generationConfig", config.value) }
        return AIWireRequest(
            method: "POST",
            url: url,
            headers: geminiHeaders(endpoint, json: true),
            body: body.value.bytes
        )
    }

    /// `models/{id}`, accepting ids given with or without the `models/` prefix.
    static func geminiModelPath(_ model: String) -> String {
        model.hasPrefix("models/") || model.hasPrefix("tunedModels/") ? model : "models/" + model
    }

    /// Contents with roles `user` and `model`; a tool result names its function, found from the call it answers.
    static func geminiContents(_ messages: [AIMessage]) throws(AIRequestError) -> [JSONValue] {
        var turns: [(role: String, parts: [JSONValue])] = []
        var callNames: [String: String] = [:]
        for (index, message) in messages.enumerated() {
            var parts: [JSONValue] = []
            let role: String
            switch message.role {
            case .system: continue
            case .user:
                role = "user"
                parts.append(.object([("text", .string(message.content))]))
            case .assistant:
                role = "model"
                if !message.content.isEmpty { parts.append(.object([("text", .string(message.content))])) }
                for call in message.toolCalls {
                    callNames[call.id] = call.name
                    let function: JSONValue = .object([
                        ("name", .string(call.name)), ("args", JSONValue.parse(call.arguments) ?? .object([])),
                    ])
                    parts.append(.object([("functionCall", function)]))
                }
            case .tool:
                role = "user"
                let callID = message.toolCallID ?? ""
                guard let name = callNames[callID] else {
                    throw AIRequestError(
                        "messages[\(index)].toolCallId '\(callID)' matches no earlier assistant toolCalls id; "
                            + "Gemini needs the call to name the function"
                    )
                }
                // Gemini wants an object as the response; other results are wrapped.
                let response: JSONValue
                if let parsed = JSONValue.parse(message.content), parsed.objectMembers != nil {
                    response = parsed
                } else {
                    response = .object([("result", .string(message.content))])
                }
                let function: JSONValue = .object([("name", .string(name)), ("response", response)])
                parts.append(.object([("functionResponse", function)]))
            }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].parts += parts
            } else {
                turns.append((role, parts))
            }
        }
        guard !turns.isEmpty else { throw AIRequestError("messages must hold at least one user message") }
        return turns.map { .object([("role", .string($0.role)), ("parts", .array($0.parts))]) }
    }

    static func geminiTool(_ tool: AITool) -> JSONValue {
        var item = JSONObjectBuilder()
        item.set("name", .string(tool.name))
        if !tool.description.isEmpty { item.set("description", .string(tool.description)) }
        item.set("parameters", tool.parameters)
        return item.value
    }

    static func geminiToolConfig(_ choice: AIToolChoice) -> JSONValue {
        let config: JSONValue
        switch choice {
        case .auto: config = .object([("mode", .string("AUTO"))])
        case .none: config = .object([("mode", .string("NONE"))])
        case .required: config = .object([("mode", .string("ANY"))])
        case .tool(let name):
            config = .object([("mode", .string("ANY")), ("allowedFunctionNames", .array([.string(name)]))])
        }
        return .object([("functionCallingConfig", config)])
    }
}

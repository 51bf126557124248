import FaztAI
import FaztJSON
import Testing

@Suite struct AIWireRequestTests {
    static let key = "sk-SECRET-123"

    static let conversation = AIRequest(
        messages: [
            AIMessage(role: .user, content: "Weather in Paris?"),
            AIMessage(
                role: .assistant,
                content: "",
                toolCalls: [AIToolCall(id: "c1", name: "weather", arguments: #"{"city":"Paris"}"#)]
            ),
            AIMessage(role: .tool, content: "sunny", toolCallID: "c1"),
            AIMessage(role: .user, content: "Thanks"),
        ],
        system: "Be brief",
        temperature: 0.2,
        maxTokens: 50,
        stop: ["END"],
        tools: [AITool(name: "weather", description: "Look up weather")],
        toolChoice: .required
    )

    func build(
        _ kind: AIProviderKind,
        _ request: AIRequest = conversation,
        stream: Bool,
        base: String = ""
    ) throws
        -> AIWireRequest
    {
        try AIWireRequest.chat(
            endpoint: AIEndpoint(kind: kind, baseURL: base, apiKey: Self.key),
            model: "m-1",
            request: request,
            stream: stream
        )
    }

    func expectKeyOnlyIn(_ wire: AIWireRequest, header: String, value: String) {
        #expect(wire.headers.filter { $0.1.contains(Self.key) }.map(\.0) == [header])
        #expect(wire.headers.first { $0.0 == header }?.1 == value)
        #expect(!wire.url.contains(Self.key))
        #expect(!String(decoding: wire.body, as: UTF8.self).contains(Self.key))
        #expect(!wire.redactedDescription.contains(Self.key))
    }

    @Test func openAIChatStreamingBody() throws {
        let wire = try build(.openAI, stream: true)
        #expect(wire.method == "POST")
        #expect(wire.url == "https://api.openai.com/v1/chat/completions")
        expectKeyOnlyIn(wire, header: "Authorization", value: "Bearer \(Self.key)")
        let body = json(wire.body)
        #expect(body["model"] == .string("m-1"))
        #expect(body["stream"] == .bool(true))
        #expect(body["stream_options"]?.text == #"{"include_usage":true}"#)
        #expect(body["max_completion_tokens"] == .number(50))
        #expect(body["max_tokens"] == nil)
        #expect(body["temperature"] == .number(0.2))
        #expect(body["stop"]?.text == #"["END"]"#)
        #expect(body["tool_choice"] == .string("required"))
        #expect(
            body["tools"]?.text
                == #"[{"type":"function","function":{"name":"weather","description":"Look up weather","parameters":{"type":"object","properties":{}}}}]"#
        )
        #expect(
            body["messages"]?.text
                == #"[{"role":"system","content":"Be brief"},{"role":"user","content":"Weather in Paris?"},"#
                + #"{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},"#
                + #"{"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"user","content":"Thanks"}]"#
        )
    }

    @Test func openAICompatibleUsesMaxTokensAndItsOwnBase() throws {
        let wire = try build(.openAICompatible, stream: false, base: "http://localhost:11434/v1/")
        #expect(wire.url == "http://localhost:11434/v1/chat/completions")
        let body = json(wire.body)
        #expect(body["max_tokens"] == .number(50))
        #expect(body["max_completion_tokens"] == nil)
        #expect(body["stream"] == nil)
        #expect(body["stream_options"] == nil)
        #expect(throws: AIRequestError.self) { try build(.openAICompatible, stream: false) }
    }

    @Test func openAIResponseFormats() throws {
        var request = AIRequest(messages: [AIMessage(role: .user, content: "List colors")], responseFormat: .json)
        var body = json(try build(.openAI, request, stream: false).body)
        #expect(body["response_format"]?.text == #"{"type":"json_object"}"#)
        // OpenAI rejects json_object unless a message says "JSON".
        #expect(body["messages"]?.arrayValueForTest.first?["content"] == .string("Respond in JSON."))
        request.responseFormat = .schema(.object([("type", .string("object"))]))
        body = json(try build(.openAI, request, stream: false).body)
        #expect(
            body["response_format"]?.text
                == #"{"type":"json_schema","json_schema":{"name":"response","schema":{"type":"object"}}}"#
        )
    }

    @Test func anthropicMessagesBody() throws {
        let wire = try build(.anthropic, stream: true)
        #expect(wire.url == "https://api.anthropic.com/v1/messages")
        expectKeyOnlyIn(wire, header: "x-api-key", value: Self.key)
        #expect(wire.headers.first { $0.0 == "anthropic-version" }?.1 == "2023-06-01")
        #expect(wire.headers.first { $0.0 == "content-type" }?.1 == "application/json")
        let body = json(wire.body)
        #expect(body["system"] == .string("Be brief"))
        #expect(body["max_tokens"] == .number(50))
        #expect(body["stop_sequences"]?.text == #"["END"]"#)
        #expect(body["stream"] == .bool(true))
        #expect(body["tool_choice"]?.text == #"{"type":"any"}"#)
        #expect(
            body["tools"]?.text
                == #"[{"name":"weather","description":"Look up weather","input_schema":{"type":"object","properties":{}}}]"#
        )
        // The tool result and the next user text share one user turn, so roles alternate.
        #expect(
            body["messages"]?.text
                == #"[{"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]},"#
                + #"{"role":"assistant","content":[{"type":"tool_use","id":"c1","name":"weather","input":{"city":"Paris"}}]},"#
                + #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"c1","content":"sunny"},{"type":"text","text":"Thanks"}]}]"#
        )
    }

    @Test func anthropicDefaultsMaxTokensAndAsksForJSONInTheSystemPrompt() throws {
        let request = AIRequest(
            messages: [AIMessage(role: .system, content: "You sort."), AIMessage(role: .user, content: "x")],
            responseFormat: .json,
            tools: [AITool(name: "weather")],
            toolChoice: .tool("weather")
        )
        let body = json(try build(.anthropic, request, stream: false).body)
        #expect(body["max_tokens"] == .number(1024))
        #expect(body["stream"] == nil)
        #expect(body["system"]?.stringValue?.hasPrefix("You sort.\n\nRespond with one JSON object") == true)
        #expect(body["tool_choice"]?.text == #"{"type":"tool","name":"weather"}"#)
        #expect(body["messages"]?.text == #"[{"role":"user","content":[{"type":"text","text":"x"}]}]"#)
    }

    @Test func geminiGenerateContentBody() throws {
        let wire = try build(.gemini, stream: true)
        #expect(wire.url == "https://generativelanguage.googleapis.com/v1beta/models/m-1:streamGenerateContent?alt=sse")
        expectKeyOnlyIn(wire, header: "x-goog-api-key", value: Self.key)
        let plain = try build(.gemini, stream: false)
        #expect(plain.url == "https://generativelanguage.googleapis.com/v1beta/models/m-1:generateContent")
        let body = json(wire.body)
        #expect(body["systemInstruction"]?.text == #"{"parts":[{"text":"Be brief"}]}"#)
        #expect(body["generationConfig"]?.text == #"{"temperature":0.2,"maxOutputTokens":50,"stopSequences":["END"]}"#)
        #expect(
            body["tools"]?.text
                == #"[{"functionDeclarations":[{"name":"weather","description":"Look up weather","parameters":{"type":"object","properties":{}}}]}]"#
        )
        #expect(body["toolConfig"]?.text == #"{"functionCallingConfig":{"mode":"ANY"}}"#)
        #expect(
            body["contents"]?.text
                == #"[{"role":"user","parts":[{"text":"Weather in Paris?"}]},"#
                + #"{"role":"model","parts":[{"functionCall":{"name":"weather","args":{"city":"Paris"}}}]},"#
                + #"{"role":"user","parts":[{"functionResponse":{"name":"weather","response":{"result":"sunny"}}},{"text":"Thanks"}]}]"#
        )
    }

    @Test func geminiSchemaAndNamedToolChoice() throws {
        let schema: JSONValue = .object([("type", .string("object"))])
        let request = AIRequest(
            messages: [AIMessage(role: .user, content: "x")],
            responseFormat: .schema(schema),
            tools: [AITool(name: "f")],
            toolChoice: .tool("f")
        )
        let body = json(try build(.gemini, request, stream: false).body)
        #expect(
            body["generationConfig"]?.text
                == #"{"responseMimeType":"application/json","responseSchema":{"type":"object"}}"#
        )
        #expect(body["toolConfig"]?.text == #"{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["f"]}}"#)
    }

    @Test func geminiToolResultMustAnswerAKnownCall() {
        let request = AIRequest(messages: [AIMessage(role: .tool, content: "r", toolCallID: "zz")])
        #expect(throws: AIRequestError.self) { try build(.gemini, request, stream: false) }
    }

    @Test func rejectsModelIdsThatCouldChangeTheURL() {
        for model in ["", "a?key=x", "a#b", "../etc", "a b"] {
            #expect(throws: AIRequestError.self) {
                try AIWireRequest.chat(
                    endpoint: AIEndpoint(kind: .gemini, apiKey: "k"),
                    model: model,
                    request: Self.conversation,
                    stream: false
                )
            }
        }
    }

    @Test func modelListRequests() throws {
        let cases: [(AIProviderKind, String, String)] = [
            (.openAI, "https://api.openai.com/v1/models", "Authorization"),
            (.anthropic, "https://api.anthropic.com/v1/models", "x-api-key"),
            (.gemini, "https://generativelanguage.googleapis.com/v1beta/models", "x-goog-api-key"),
        ]
        for (kind, url, header) in cases {
            let wire = try AIWireRequest.models(endpoint: AIEndpoint(kind: kind, apiKey: Self.key))
            #expect(wire.method == "GET")
            #expect(wire.url == url)
            #expect(wire.body.isEmpty)
            #expect(wire.headers.filter { $0.1.contains(Self.key) }.map(\.0) == [header])
        }
    }

    @Test func descriptionsNeverShowTheKey() throws {
        let endpoint = AIEndpoint(kind: .openAI, apiKey: Self.key)
        let wire = try build(.openAI, stream: false)
        #expect(wire.redactedDescription.hasPrefix("POST https://api.openai.com/v1/chat/completions {"))
        var dumped = ""
        dump(endpoint, to: &dumped)
        dump(wire, to: &dumped)
        for text in ["\(endpoint)", String(reflecting: endpoint), "\(wire)", String(reflecting: wire), dumped] {
            #expect(!text.contains(Self.key))
        }
        #expect(dumped.contains("Authorization"))
    }

    @Test func toolChoiceWithoutToolsIsLeftOut() throws {
        let request = AIRequest(messages: [AIMessage(role: .user, content: "x")], toolChoice: AIToolChoice.none)
        #expect(json(try build(.openAI, request, stream: false).body)["tool_choice"] == nil)
        #expect(json(try build(.anthropic, request, stream: false).body)["tool_choice"] == nil)
        #expect(json(try build(.gemini, request, stream: false).body)["toolConfig"] == nil)
    }

    @Test func anthropicTemperatureIsCappedAtOne() throws {
        let request = AIRequest(messages: [AIMessage(role: .user, content: "x")], temperature: 1.7)
        #expect(json(try build(.anthropic, request, stream: false).body)["temperature"] == .number(1))
        #expect(json(try build(.openAI, request, stream: false).body)["temperature"] == .number(1.7))
    }

    @Test func geminiAcceptsModelIdsWithTheirPrefix() throws {
        let endpoint = AIEndpoint(kind: .gemini, baseURL: "https://proxy.example/", apiKey: "k")
        for model in ["gemini-2.5-flash", "models/gemini-2.5-flash"] {
            let wire = try AIWireRequest.chat(
                endpoint: endpoint,
                model: model,
                request: Self.conversation,
                stream: false
            )
            #expect(wire.url == "https://proxy.example/v1beta/models/gemini-2.5-flash:generateContent")
        }
    }

    @Test func rejectsBaseURLsThatAreNotHTTP() {
        #expect(throws: AIRequestError.self) {
            try AIWireRequest.models(endpoint: AIEndpoint(kind: .openAI, baseURL: "file:///etc", apiKey: "k"))
        }
    }
}

extension JSONValue {
    var arrayValueForTest: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}

import FaztJSON

/// Texts to turn into embedding vectors.
public struct AIEmbedRequest: Sendable, Equatable {
    /// The provider's model id.
    public var model: String
    /// The texts, one vector each.
    public var input: [String]

    /// Creates an embedding request.
    public init(model: String, input: [String]) {
        self.model = model
        self.input = input
    }

    /// The wire request for `endpoint`; Anthropic has no embeddings API and gets an error.
    public func wireRequest(endpoint: AIEndpoint) throws(AIRequestError) -> AIWireRequest {
        try AIWireRequest.checkModel(model)
        guard !input.isEmpty else { throw AIRequestError("input must hold at least one text") }
        let base = try endpoint.resolvedBase()
        switch endpoint.kind {
        case .openAI, .openAICompatible:
            let body: JSONValue = .object([
                ("model", .string(model)), ("input", .array(input.map(JSONValue.string))),
                ("encoding_format", .string("float")),
            ])
            return AIWireRequest(
                method: "POST",
                url: base + "/embeddings",
                headers: AIWireRequest.openAIHeaders(endpoint, json: true),
                body: body.bytes
            )
        case .gemini:
            let modelPath = AIWireRequest.geminiModelPath(model)
            let requests = input.map { text -> JSONValue in
                let content: JSONValue = .object([("parts", .array([.object([("text", .string(text))])]))])
                return .object([("model", .string(modelPath)), ("content", content)])
            }
            return AIWireRequest(
                method: "POST",
                url: "\(base)/v1beta/\(modelPath):batchEmbedContents",
                headers: AIWireRequest.geminiHeaders(endpoint, json: true),
                body: JSONValue.object([("requests", .array(requests))]).bytes
            )
        case .anthropic:
            throw AIRequestError(
                "Anthropic has no embeddings API; configure an openai or gemini provider for embeddings"
            )
        }
    }
}

/// Embedding vectors, in the order of the input texts.
public struct AIEmbedResult: Sendable, Equatable {
    /// One vector per input text.
    public var vectors: [[Double]]
    /// Input tokens, where the provider reports them.
    public var inputTokens: Int?

    /// Creates a result.
    public init(vectors: [[Double]], inputTokens: Int? = nil) {
        self.vectors = vectors
        self.inputTokens = inputTokens
    }

    /// Parses a provider's successful embeddings response body.
    public init(kind: AIProviderKind, body: [UInt8]) throws(AIRequestError) {
        let json = try AIResult.parseBody(body)
        switch kind {
        case .openAI, .openAICompatible:
            guard let items = json["data"]?.arrayValue else {
                throw AIRequestError("embeddings response has no data list")
            }
            // Items carry their index; order by it rather than trusting the list order.
            var indexed: [(Int, [Double])] = []
            for (position, item) in items.enumerated() {
                indexed.append((item["index"]?.intValue ?? position, try Self.vector(item["embedding"])))
            }
            vectors = indexed.sorted { $0.0 < $1.0 }.map(\.1)
            inputTokens = json["usage"]?["prompt_tokens"]?.intValue
        case .gemini:
            guard let items = json["embeddings"]?.arrayValue else {
                throw AIRequestError("embeddings response has no embeddings list")
            }
            var result: [[Double]] = []
            for item in items { result.append(try Self.vector(item["values"])) }
            vectors = result
            inputTokens = nil
        case .anthropic:
            throw AIRequestError("Anthropic has no embeddings API")
        }
    }

    static func vector(_ value: JSONValue?) throws(AIRequestError) -> [Double] {
        guard let items = value?.arrayValue else { throw AIRequestError("embedding is not a list of numbers") }
        var numbers: [Double] = []
        numbers.reserveCapacity(items.count)
        for item in items {
            guard let number = item.numberValue else { throw AIRequestError("embedding is not a list of numbers") }
            numbers.append(number)
        }
        return numbers
    }
}

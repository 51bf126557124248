import FaztJSON

/// An HTTP request ready to send to a provider.
///
/// The API key is in `headers` and nowhere else.
public struct AIWireRequest: Sendable, Equatable {
    /// `GET` or `POST`.
    public var method: String
    /// The full URL; it never holds the key.
    public var url: String
    /// Header name and value pairs, in order.
    public var headers: [(String, String)]
    /// The JSON body (empty for `GET`).
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, url: String, headers: [(String, String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: AIWireRequest, rhs: AIWireRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// Method, URL and body, without headers: safe to log.
    public var redactedDescription: String {
        let text = String(decoding: body, as: UTF8.self)
        return body.isEmpty ? "\(method) \(url)" : "\(method) \(url) \(text)"
    }

    /// The chat (or completion) request for `request` sent to `model`, the provider's own model id.
    public static func chat(
        endpoint: AIEndpoint,
        model: String,
        request: AIRequest,
        stream: Bool
    ) throws(AIRequestError) -> AIWireRequest {
        try checkModel(model)
        switch endpoint.kind {
        case .openAI, .openAICompatible:
            return try openAIChat(endpoint: endpoint, model: model, request: request, stream: stream)
        case .anthropic: return try anthropicChat(endpoint: endpoint, model: model, request: request, stream: stream)
        case .gemini: return try geminiChat(endpoint: endpoint, model: model, request: request, stream: stream)
        }
    }

    /// The request that lists the account's models; a cheap check that the endpoint and key work.
    public static func models(endpoint: AIEndpoint) throws(AIRequestError) -> AIWireRequest {
        let base = try endpoint.resolvedBase()
        switch endpoint.kind {
        case .openAI, .openAICompatible:
            return AIWireRequest(
                method: "GET",
                url: base + "/models",
                headers: openAIHeaders(endpoint, json: false),
                body: []
            )
        case .anthropic:
            return AIWireRequest(
                method: "GET",
                url: base + "/v1/models",
                headers: anthropicHeaders(endpoint, json: false),
                body: []
            )
        case .gemini:
            return AIWireRequest(
                method: "GET",
                url: base + "/v1beta/models",
                headers: geminiHeaders(endpoint, json: false),
                body: []
            )
        }
    }

    static func checkModel(_ model: String) throws(AIRequestError) {
        // The model id becomes part of a URL path for Gemini: keep it to characters that cannot change the URL.
        let allowed = model.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0.properties.isAlphabetic || $0.properties.numericType != nil
                    || "-._:/@".unicodeScalars.contains($0))
        }
        guard !model.isEmpty, allowed, !model.contains("..") else {
            throw AIRequestError("model id '\(model)' must be letters, digits and - . _ : / @ only")
        }
    }

    static func openAIHeaders(_ endpoint: AIEndpoint, json: Bool) -> [(String, String)] {
        var headers: [(String, String)] = []
        // Local OpenAI-compatible servers (Ollama, llama.cpp) take no key.
        if !endpoint.apiKey.isEmpty { headers.append(("Authorization", "Bearer " + endpoint.apiKey)) }
        if json { headers.append(("Content-Type", "application/json")) }
        return headers
    }

    static func anthropicHeaders(_ endpoint: AIEndpoint, json: Bool) -> [(String, String)] {
        var headers = [("x-api-key", endpoint.apiKey), ("anthropic-version", "2023-06-01")]
        if json { headers.append(("content-type", "application/json")) }
        return headers
    }

    static func geminiHeaders(_ endpoint: AIEndpoint, json: Bool) -> [(String, String)] {
        var headers = [("x-goog-api-key", endpoint.apiKey)]
        if json { headers.append(("Content-Type", "application/json")) }
        return headers
    }

    /// The instruction added for JSON answers where the provider has no flag for them.
    static func jsonInstruction(_ format: AIResponseFormat) -> String? {
        switch format {
        case .text: nil
        case .json: "Respond with one JSON object and nothing else: no prose, no code fences."
        case .schema(let schema):
            "Respond with one JSON object that matches this JSON schema and nothing else: no prose, no code fences.\n"
                + schema.text
        }
    }
}

extension AIWireRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The same as `redactedDescription`: string interpolation never prints the key.
    public var description: String { redactedDescription }

    public var debugDescription: String { "AIWireRequest(\(redactedDescription))" }

    /// Reflection (`dump`, debuggers) shows the header names only, never their values.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["method": method, "url": url, "headerNames": headers.map(\.0), "body": redactedDescription],
            displayStyle: .struct
        )
    }
}

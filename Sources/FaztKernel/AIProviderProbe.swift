import FaztAPI
import FaztJSON
import FaztNet
import Foundation
import Glibc

/// `fazt ai provider test`: one models-list request to a provider, with its latency.
///
/// Provider URLs are the owner's (they may be loopback: Ollama, llama.cpp), so the request goes
/// through FaztNet's plain client, not the app egress policy. It blocks: call it off the event loops.
public enum AIProviderProbe {
    /// The request to send: URL and headers (the key is in a header, never in the URL).
    public struct Request: Sendable, Equatable {
        public var url: String
        public var headers: [String]
    }

    /// The models-list request for `credentials`.
    public static func request(for credentials: AIRegistry.Credentials) -> Request {
        let base = credentials.baseURL
        var headers = ["Accept: application/json"]
        switch credentials.type {
        case .openAI, .openAICompatible:
            if let key = credentials.key { headers.append("Authorization: Bearer \(key)") }
            return Request(url: base + "/models", headers: headers)
        case .anthropic:
            if let key = credentials.key { headers.append("x-api-key: \(key)") }
            headers.append("anthropic-version: 2023-06-01")
            return Request(url: base + "/v1/models", headers: headers)
        case .gemini:
            if let key = credentials.key { headers.append("x-goog-api-key: \(key)") }
            return Request(url: base + "/v1beta/models", headers: headers)
        }
    }

    /// Sends the request (blocking, at most `timeoutSeconds`) and reads the model ids or the error.
    public static func run(_ credentials: AIRegistry.Credentials, timeoutSeconds: Int = 20) -> AIProviderTestBody {
        let request = request(for: credentials)
        let started = monotonicMilliseconds()
        let response: HTTPClientResponse
        do {
            response = try HTTPClient.perform(
                method: "GET",
                url: request.url,
                headers: request.headers,
                timeoutSeconds: timeoutSeconds
            )
        } catch {
            return AIProviderTestBody(
                provider: credentials.name,
                ok: false,
                status: 0,
                latencyMs: monotonicMilliseconds() - started,
                models: [],
                error: redact("\(error)", key: credentials.key)
            )
        }
        let latency = monotonicMilliseconds() - started
        return answer(credentials, status: response.status, body: response.body, latencyMs: latency)
    }

    /// Reads a provider's answer: model ids on 2xx, else its error message (with the key removed).
    static func answer(
        _ credentials: AIRegistry.Credentials,
        status: Int,
        body: [UInt8],
        latencyMs: Int
    ) -> AIProviderTestBody {
        let json = try? JSONValue.decode(body)
        guard (200..<300).contains(status) else {
            var message = "HTTP \(status)"
            if case .string(let text)? = json?["error"]?["message"] {
                message += ": " + text
            } else if case .string(let text)? = json?["error"] {
                message += ": " + text
            } else if !body.isEmpty {
                message += ": " + String(decoding: body.prefix(300), as: UTF8.self)
            }
            return AIProviderTestBody(
                provider: credentials.name,
                ok: false,
                status: status,
                latencyMs: latencyMs,
                models: [],
                error: redact(String(message.prefix(500)), key: credentials.key)
            )
        }
        var models: [String] = []
        // OpenAI and Anthropic: {"data": [{"id": …}]}; Gemini: {"models": [{"name": "models/…"}]}.
        if case .array(let items)? = json?["data"] {
            models = items.compactMap { $0["id"]?.stringValue }
        } else if case .array(let items)? = json?["models"] {
            models = items.compactMap { item in
                (item["name"]?.stringValue).map { $0.hasPrefix("models/") ? String($0.dropFirst(7)) : $0 }
            }
        }
        return AIProviderTestBody(
            provider: credentials.name,
            ok: json != nil,
            status: status,
            latencyMs: latencyMs,
            models: models.map { redact($0, key: credentials.key) },
            error: json == nil ? "the answer was not JSON; is the base URL right?" : nil
        )
    }

    /// `text` with every occurrence of `key` replaced: providers sometimes echo the key they refused.
    static func redact(_ text: String, key: String?) -> String {
        guard let key, key.utf8.count >= 4 else { return text }
        return text.replacingOccurrences(of: key, with: "[key]")
    }

    private static func monotonicMilliseconds() -> Int {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int(spec.tv_sec) * 1000 + Int(spec.tv_nsec) / 1_000_000
    }
}

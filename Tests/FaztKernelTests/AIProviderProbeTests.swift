import Testing

@testable import FaztKernel

@Suite struct AIProviderProbeTests {
    func credentials(_ type: AIProviderType, _ url: String, key: String? = "k-SECRET-1") -> AIRegistry.Credentials {
        AIRegistry.Credentials(name: "p", type: type, baseURL: url, key: key)
    }

    @Test func buildsEachProvidersModelsRequest() {
        let openAI = AIProviderProbe.request(for: credentials(.openAI, "https://api.openai.com/v1"))
        #expect(openAI.url == "https://api.openai.com/v1/models")
        #expect(openAI.headers.contains("Authorization: Bearer k-SECRET-1"))
        let local = AIProviderProbe.request(for: credentials(.openAICompatible, "http://127.0.0.1:11434/v1", key: nil))
        #expect(local.url == "http://127.0.0.1:11434/v1/models")
        #expect(!local.headers.contains { $0.hasPrefix("Authorization") })
        let anthropic = AIProviderProbe.request(for: credentials(.anthropic, "https://api.anthropic.com"))
        #expect(anthropic.url == "https://api.anthropic.com/v1/models")
        #expect(anthropic.headers.contains("x-api-key: k-SECRET-1"))
        #expect(anthropic.headers.contains("anthropic-version: 2023-06-01"))
        let gemini = AIProviderProbe.request(for: credentials(.gemini, "https://generativelanguage.googleapis.com"))
        #expect(gemini.url == "https://generativelanguage.googleapis.com/v1beta/models")
        #expect(gemini.headers.contains("x-goog-api-key: k-SECRET-1"))
        #expect(!gemini.url.contains("SECRET"))
    }

    @Test func readsModelIdsOfEveryShape() {
        let openAI = AIProviderProbe.answer(
            credentials(.openAI, "u"),
            status: 200,
            body: Array(#"{"object":"list","data":[{"id":"gpt-4o"},{"id":"gpt-4o-mini"}]}"#.utf8),
            latencyMs: 12
        )
        #expect(openAI.ok && openAI.models == ["gpt-4o", "gpt-4o-mini"] && openAI.latencyMs == 12)
        let gemini = AIProviderProbe.answer(
            credentials(.gemini, "u"),
            status: 200,
            body: Array(#"{"models":[{"name":"models/gemini-2.0-flash"}]}"#.utf8),
            latencyMs: 1
        )
        #expect(gemini.models == ["gemini-2.0-flash"])
        let html = AIProviderProbe.answer(
            credentials(.openAI, "u"),
            status: 200,
            body: Array("<html>".utf8),
            latencyMs: 1
        )
        #expect(!html.ok && html.error?.contains("not JSON") == true)
    }

    @Test func reportsTheProvidersErrorWithoutTheKey() {
        let refused = AIProviderProbe.answer(
            credentials(.openAI, "u"),
            status: 401,
            body: Array(#"{"error":{"message":"Incorrect API key provided: k-SECRET-1","type":"auth"}}"#.utf8),
            latencyMs: 3
        )
        #expect(!refused.ok && refused.status == 401)
        #expect(refused.error == "HTTP 401: Incorrect API key provided: [key]")
        let plain = AIProviderProbe.answer(
            credentials(.gemini, "u"),
            status: 500,
            body: Array("boom".utf8),
            latencyMs: 1
        )
        #expect(plain.error == "HTTP 500: boom")
    }

    @Test func reportsUnreachableProviders() {
        let result = AIProviderProbe.run(credentials(.openAICompatible, "http://127.0.0.1:1/v1"), timeoutSeconds: 5)
        #expect(!result.ok && result.status == 0)
        #expect(result.error?.contains("127.0.0.1:1") == true)
        #expect(result.error?.contains("SECRET") == false)
    }
}

import FaztAI
import Testing

@Suite struct AIResultTests {
    func streamed<N: AIStreamNormalizer>(_ normalizer: N, _ body: String) -> AIResult {
        let (events, state) = normalize(normalizer, chunks(body, cuts: [body.utf8.count / 3]))
        var accumulator = AIResultAccumulator()
        accumulator.add(events)
        return accumulator.result(id: state.responseID ?? "", model: state.model ?? "")
    }

    @Test func openAIStreamedAndWholeResultsMatch() throws {
        let whole = try AIResult(kind: .openAI, body: Array(Fixtures.openAIResponse.utf8))
        #expect(whole.text == "Café 😀 日本")
        #expect(whole.toolCalls.map(\.name) == ["get_weather", "get_time"])
        #expect(whole.finishReason == .toolCalls)
        #expect(whole.usage == AIUsage(inputTokens: 200, outputTokens: 40, cacheReadTokens: 1000))
        #expect(whole.id == "chatcmpl-1")
        #expect(whole.model == "gpt-4o-mini")
        let stream = streamed(OpenAIChatStream(), Fixtures.openAIStream)
        #expect(stream == whole)
        let price = AIPrice(input: 2.5, output: 10, cacheRead: 1.25)
        #expect(price.cost(try #require(stream.usage)) == price.cost(try #require(whole.usage)))
    }

    @Test func anthropicStreamedAndWholeResultsMatch() throws {
        let whole = try AIResult(kind: .anthropic, body: Array(Fixtures.anthropicResponse.utf8))
        #expect(whole.text == "Let me check the weather in 日本.")
        #expect(
            whole.toolCalls == [
                AIToolCall(id: "toolu_01", name: "get_weather", arguments: #"{"city":"Paris","days":2}"#)
            ]
        )
        #expect(
            whole.usage == AIUsage(inputTokens: 25, outputTokens: 89, cacheReadTokens: 3000, cacheWriteTokens: 1000)
        )
        let stream = streamed(AnthropicStream(), Fixtures.anthropicStream)
        #expect(stream == whole)
        let price = AIPrice(input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75)
        #expect(price.cost(try #require(stream.usage)) == price.cost(try #require(whole.usage)))
    }

    @Test func geminiStreamedAndWholeResultsMatch() throws {
        let whole = try AIResult(kind: .gemini, body: Array(Fixtures.geminiResponse.utf8))
        #expect(whole.text == "Bonjour le monde, 😀")
        #expect(whole.toolCalls == [AIToolCall(id: "call_0", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(whole.finishReason == .toolCalls)
        #expect(whole.usage == AIUsage(inputTokens: 200, outputTokens: 42, cacheReadTokens: 1000))
        #expect(whole.id == "resp-1")
        let stream = streamed(GeminiStream(), Fixtures.geminiStream)
        #expect(stream == whole)
        let price = AIPrice(input: 0.3, output: 2.5, cacheRead: 0.075)
        #expect(price.cost(try #require(stream.usage)) == price.cost(try #require(whole.usage)))
    }

    @Test func accumulatorKeepsTheStreamError() {
        var accumulator = AIResultAccumulator()
        accumulator.add(normalize(AnthropicStream(), [Array(Fixtures.anthropicOverloaded.utf8)]).events)
        #expect(accumulator.result().text == "Hello, wor")
        #expect(accumulator.result().finishReason == .error)
        #expect(accumulator.error?.code == "overloaded_error")
    }

    @Test func rejectsBodiesThatAreNotResponses() {
        #expect(throws: AIRequestError.self) { try AIResult(kind: .openAI, body: Array("<html>".utf8)) }
        #expect(throws: AIRequestError.self) { try AIResult(kind: .anthropic, body: Array("{}".utf8)) }
        #expect(throws: AIRequestError.self) { try AIResult(kind: .gemini, body: Array("{}".utf8)) }
    }
}

import FaztAI
import Testing

@Suite struct AIStreamNormalizerTests {
    @Test func existentialNormalizerStreamsLikeTheConcreteOne() {
        var normalizer = AIProviderKind.gemini.makeStreamNormalizer()
        var events = normalizer.feed(Array(Fixtures.geminiStream.utf8))
        events += normalizer.finish()
        #expect(events == Fixtures.geminiEvents)
        #expect(normalizer.responseID == "resp-1")
    }

    @Test func eachProviderKindGetsItsNormalizer() {
        #expect(AIProviderKind.openAICompatible.makeStreamNormalizer() is OpenAIChatStream)
        #expect(AIProviderKind.anthropic.makeStreamNormalizer() is AnthropicStream)
        #expect(AIProviderKind.gemini.makeStreamNormalizer() is GeminiStream)
    }
}

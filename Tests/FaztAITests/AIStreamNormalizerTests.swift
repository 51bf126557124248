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

@Suite struct StreamLineLimitTests {
    @Test func overlongLinesFailTheStreamInsteadOfGrowingMemory() {
        let body =
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + String(repeating: "x", count: 100)
            + "\"}}]}\n\n"
        let (events, _) = normalize(OpenAIChatStream(maxLineBytes: 64), [Array(body.utf8)])
        #expect(
            events == [
                .error(code: "invalid_stream", message: "provider sent a stream line over 64 bytes"), .finish(.error),
            ]
        )
        #expect(
            normalize(OpenAIChatStream(maxLineBytes: 200), [Array(body.utf8)]).events.first
                == .textDelta(String(repeating: "x", count: 100))
        )
        let anthropic = normalize(AnthropicStream(maxLineBytes: 8), [Array(Fixtures.anthropicStream.utf8)]).events
        #expect(anthropic.last == .finish(.error))
        let gemini = normalize(GeminiStream(maxLineBytes: 8), [Array(Fixtures.geminiStream.utf8)]).events
        #expect(gemini.last == .finish(.error))
    }

    @Test func decoderStopsAtAnOverlongLineAndSaysSo() {
        var decoder = SSEDecoder(maxLineBytes: 10)
        let events = decoder.feed(Array("data: ok\n\ndata: 0123456789\n\n".utf8))
        #expect(events == [SSEEvent(data: "ok")])
        #expect(decoder.overflowed)
        #expect(decoder.feed(Array("data: late\n\n".utf8)).isEmpty)
        #expect(decoder.finish().isEmpty)
    }
}

@Suite struct StreamKeepAliveTests {
    @Test func emptyDataLinesAndCommentsAreKeepAlives() {
        let body =
            ": OPENROUTER PROCESSING\n\ndata:\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
        #expect(normalize(OpenAIChatStream(), [Array(body.utf8)]).events == [.textDelta("Hi"), .finish(.stop)])
        let gemini = "data:\n\n" + Fixtures.geminiStream
        #expect(normalize(GeminiStream(), [Array(gemini.utf8)]).events == Fixtures.geminiEvents)
        let anthropic = "event: ping\ndata:\n\n" + Fixtures.anthropicStream
        #expect(normalize(AnthropicStream(), [Array(anthropic.utf8)]).events == Fixtures.anthropicEvents)
    }
}

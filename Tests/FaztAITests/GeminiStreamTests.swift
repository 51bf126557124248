import FaztAI
import Testing

@Suite struct GeminiStreamTests {
    @Test func normalizesTextFunctionCallsAndFinalUsageWithoutSentinel() {
        var stream = GeminiStream()
        let fed = stream.feed(Array(Fixtures.geminiStream.utf8))
        // No sentinel: usage and finish wait for the end of the body.
        #expect(!fed.contains { if case .finish = $0 { true } else { false } })
        let events = fed + stream.finish()
        #expect(events == Fixtures.geminiEvents)
        #expect(stream.responseID == "resp-1")
        #expect(stream.model == "gemini-2.5-flash")
    }

    @Test func everySplitPointAndCRLFGiveTheSameEvents() {
        for text in [Fixtures.geminiStream, crlf(Fixtures.geminiStream)] {
            for cut in 0...text.utf8.count {
                let events = normalize(GeminiStream(), chunks(text, cuts: [cut, cut + 1])).events
                #expect(events == Fixtures.geminiEvents, "cut at \(cut)")
            }
        }
    }

    @Test func mapsFinishReasonsAndSafetyBlocks() {
        for (wire, reason) in [
            ("STOP", AIFinishReason.stop), ("MAX_TOKENS", .length), ("SAFETY", .contentFilter),
            ("RECITATION", .contentFilter), ("PROHIBITED_CONTENT", .contentFilter), ("OTHER", .unknown),
        ] {
            let body =
                "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}],\"role\":\"model\"},\"finishReason\":\"\(wire)\"}]}\n\n"
            #expect(normalize(GeminiStream(), [Array(body.utf8)]).events == [.textDelta("x"), .finish(reason)])
        }
    }

    @Test func errorFrameEndsTheStream() {
        let body = """
            data: {"candidates":[{"content":{"parts":[{"text":"Hal"}],"role":"model"}}]}

            data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}


            """
        let events = normalize(GeminiStream(), [Array(body.utf8)]).events
        #expect(
            events == [
                .textDelta("Hal"), .error(code: "UNAVAILABLE", message: "The model is overloaded."), .finish(.error),
            ]
        )
    }
}

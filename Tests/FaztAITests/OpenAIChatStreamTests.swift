import FaztAI
import Testing

@Suite struct OpenAIChatStreamTests {
    @Test func normalizesTextToolCallFragmentsAndUsage() {
        let (events, state) = normalize(OpenAIChatStream(), [Array(Fixtures.openAIStream.utf8)])
        #expect(events == Fixtures.openAIEvents)
        #expect(state.responseID == "chatcmpl-1")
        #expect(state.model == "gpt-4o-mini")
    }

    @Test func everySplitPointAndCRLFGiveTheSameEvents() {
        for text in [Fixtures.openAIStream, crlf(Fixtures.openAIStream)] {
            let count = text.utf8.count
            // Every byte offset is cut, inside characters (é, 😀, 日本) and JSON tokens too, with a second cut near it.
            for cut in 0...count {
                let events = normalize(OpenAIChatStream(), chunks(text, cuts: [cut, cut + 3])).events
                #expect(events == Fixtures.openAIEvents, "cut at \(cut)")
            }
            #expect(normalize(OpenAIChatStream(), bytewise(text)).events == Fixtures.openAIEvents)
        }
    }

    @Test func missingDoneStillGivesPendingToolCallsUsageAndOneFinish() {
        // Cut after the last tool-call fragment: no finish_reason, no usage, no [DONE].
        let body = Fixtures.openAIStream.components(
            before:
                "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},"
        )
        let events = normalize(OpenAIChatStream(), [Array(body.utf8)]).events
        let expected = Array(Fixtures.openAIEvents.prefix(10)) + [.finish(.unknown)]
        #expect(events == expected)
    }

    @Test func streamEndingWithoutDoneOrFinishReasonFinishesUnknown() {
        let body = #"data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#
        let events = normalize(OpenAIChatStream(), [Array(body.utf8)]).events
        #expect(events == [.textDelta("Hi"), .finish(.unknown)])
    }

    @Test func usageChunkBeforeDoneComesBeforeTheOneFinish() {
        let body = """
            data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"length"}],"usage":null}

            data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2}}

            data: [DONE]

            data: {"choices":[{"index":0,"delta":{"content":"after done"},"finish_reason":null}]}


            """
        let events = normalize(OpenAIChatStream(), [Array(body.utf8)]).events
        #expect(events == [.textDelta("Hi"), .usage(AIUsage(inputTokens: 9, outputTokens: 2)), .finish(.length)])
    }

    @Test func mapsFinishReasons() {
        for (wire, reason) in [("stop", AIFinishReason.stop), ("content_filter", .contentFilter), ("odd", .unknown)] {
            let body =
                "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"\(wire)\"}]}\n\ndata: [DONE]\n\n"
            #expect(normalize(OpenAIChatStream(), [Array(body.utf8)]).events == [.finish(reason)])
        }
    }

    @Test func errorObjectEndsTheStream() {
        let body = """
            data: {"choices":[{"index":0,"delta":{"content":"par"},"finish_reason":null}]}

            data: {"error":{"message":"The server had an error","type":"server_error","code":null}}

            data: [DONE]


            """
        let events = normalize(OpenAIChatStream(), [Array(body.utf8)]).events
        #expect(
            events == [
                .textDelta("par"), .error(code: "server_error", message: "The server had an error"), .finish(.error),
            ]
        )
    }

    @Test func compatibleServersWithRepeatedNamesAndNoIDsStillGiveOneCall() {
        // Some OpenAI-compatible servers repeat the name in every fragment and send no id.
        let body = """
            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"now","arguments":"{\\"tz\\":"}}]},"finish_reason":null}]}

            data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"now","arguments":"\\"UTC\\"}"}}]},"finish_reason":"stop"}]}

            data: [DONE]

            """
        let events = normalize(OpenAIChatStream(), [Array(body.utf8)]).events
        #expect(
            events == [
                .toolCallDelta(index: 0, id: nil, name: "now", argumentsDelta: #"{"tz":"#),
                .toolCallDelta(index: 0, id: nil, name: "now", argumentsDelta: #""UTC"}"#),
                .toolCall(AIToolCall(id: "call_0", name: "now", arguments: #"{"tz":"UTC"}"#)),
                .finish(.toolCalls),
            ]
        )
    }
}

extension String {
    /// The text before the first occurrence of `marker` (the whole text when absent).
    func components(before marker: String) -> String {
        let text = Array(utf8)
        let needle = Array(marker.utf8)
        guard needle.count <= text.count else { return self }
        for start in 0...(text.count - needle.count) where text[start..<start + needle.count].elementsEqual(needle) {
            return String(decoding: text[..<start], as: UTF8.self)
        }
        return self
    }
}

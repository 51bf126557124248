import FaztAI
import Testing

@Suite struct AnthropicStreamTests {
    @Test func normalizesTextToolUseAndCacheUsageIgnoringPingsAndThinking() {
        let (events, state) = normalize(AnthropicStream(), [Array(Fixtures.anthropicStream.utf8)])
        #expect(events == Fixtures.anthropicEvents)
        #expect(state.responseID == "msg_01")
        #expect(state.model == "claude-sonnet-4-5")
    }

    @Test func everySplitPointAndCRLFGiveTheSameEvents() {
        for text in [Fixtures.anthropicStream, crlf(Fixtures.anthropicStream)] {
            for cut in 0...text.utf8.count {
                let events = normalize(AnthropicStream(), chunks(text, cuts: [cut, cut + 2])).events
                #expect(events == Fixtures.anthropicEvents, "cut at \(cut)")
            }
            #expect(normalize(AnthropicStream(), bytewise(text)).events == Fixtures.anthropicEvents)
        }
    }

    @Test func errorAfterPartialTextKeepsTheTextAndEndsWithError() {
        var stream = AnthropicStream()
        var events = stream.feed(Array(Fixtures.anthropicOverloaded.utf8))
        // Anything after the error (a retry's output arriving on the same body, say) is not re-emitted.
        events += stream.feed(
            Array(
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello, world\"}}\n\n"
                    .utf8
            )
        )
        events += stream.finish()
        #expect(
            events == [
                .textDelta("Hello, wor"), .error(code: "overloaded_error", message: "Overloaded"), .finish(.error),
            ]
        )
    }

    @Test func emptyToolInputBecomesAnEmptyObject() {
        let body = """
            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_9","name":"now","input":{}}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":3}}


            """
        let events = normalize(AnthropicStream(), [Array(body.utf8)]).events
        #expect(
            events == [
                .toolCallDelta(index: 0, id: "toolu_9", name: "now", argumentsDelta: ""),
                .toolCall(AIToolCall(id: "toolu_9", name: "now", arguments: "{}")),
                .usage(AIUsage(outputTokens: 3)),
                .finish(.length),
            ]
        )
    }

    @Test func mapsStopReasons() {
        for (wire, reason) in [("end_turn", AIFinishReason.stop), ("stop_sequence", .stop), ("tool_use", .toolCalls)] {
            let body = """
                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"\(wire)"},"usage":{"output_tokens":1}}

                event: message_stop
                data: {"type":"message_stop"}


                """
            #expect(normalize(AnthropicStream(), [Array(body.utf8)]).events.last == .finish(reason))
        }
    }

    @Test func bodyCutBeforeMessageStopClosesOpenToolBlocks() {
        let body = Fixtures.anthropicStream.components(
            before: "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}"
        )
        let events = normalize(AnthropicStream(), [Array(body.utf8)]).events
        #expect(
            Array(events.suffix(3)) == [
                .toolCall(AIToolCall(id: "toolu_01", name: "get_weather", arguments: #"{"city":"Paris","days":2}"#)),
                .usage(AIUsage(inputTokens: 25, outputTokens: 1, cacheReadTokens: 3000, cacheWriteTokens: 1000)),
                .finish(.unknown),
            ]
        )
    }
}

import FaztAI
import FaztJSON
import Testing

@Suite struct AIStreamEventTests {
    @Test func rendersTheJavaScriptShapes() {
        #expect(AIStreamEvent.textDelta("Hi \"you\"").json.text == #"{"type":"text-delta","text":"Hi \"you\""}"#)
        #expect(
            AIStreamEvent.toolCallDelta(index: 1, id: "c", name: "f", argumentsDelta: "{").json.text
                == #"{"type":"tool-call-delta","index":1,"id":"c","name":"f","argumentsDelta":"{"}"#
        )
        #expect(
            AIStreamEvent.toolCallDelta(index: 0, id: nil, name: nil, argumentsDelta: "}").json.text
                == #"{"type":"tool-call-delta","index":0,"argumentsDelta":"}"}"#
        )
        #expect(
            AIStreamEvent.toolCall(AIToolCall(id: "c", name: "f", arguments: "{}")).json.text
                == #"{"type":"tool-call","id":"c","name":"f","arguments":"{}"}"#
        )
        #expect(
            AIStreamEvent.usage(AIUsage(inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4)).json
                .text
                == #"{"type":"usage","inputTokens":1,"outputTokens":2,"cacheReadTokens":3,"cacheWriteTokens":4}"#
        )
        #expect(AIStreamEvent.finish(.toolCalls).json.text == #"{"type":"finish","reason":"tool-calls"}"#)
        #expect(AIStreamEvent.finish(.contentFilter).json.text == #"{"type":"finish","reason":"content-filter"}"#)
        #expect(
            AIStreamEvent.error(code: "overloaded_error", message: "Overloaded").json.text
                == #"{"type":"error","code":"overloaded_error","message":"Overloaded"}"#
        )
    }
}

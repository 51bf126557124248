import FaztAI
import FaztJSON
import Foundation
import Testing

@testable import FaztServer

@Suite struct AIRunOutputTests {
    let summary: [(String, JSONValue)] = [("inputTokens", .number(3)), ("outputTokens", .number(5))]

    func parsed(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func keepsNoTranscriptUnlessAsked() throws {
        let output = try parsed(AIGateway.runOutput(summary: summary, transcript: nil))
        #expect(output.keys.sorted() == ["inputTokens", "outputTokens"])
    }

    @Test func keepsThePromptAndAnswerWhole() throws {
        var transcript = AIGateway.Transcript(prompt: .object([("prompt", .string("hi"))]))
        transcript.text = "hello"
        transcript.toolCalls = [AIToolCall(id: "c1", name: "get_time", arguments: "{}")]
        let output = try parsed(AIGateway.runOutput(summary: summary, transcript: transcript))
        #expect((output["prompt"] as? [String: Any])?["prompt"] as? String == "hi")
        #expect(output["text"] as? String == "hello" && output["promptCut"] == nil)
        #expect((output["toolCalls"] as? [[String: Any]])?.first?["name"] as? String == "get_time")
    }

    @Test func cutsThePromptFirstThenTheTextWithinTheCap() throws {
        let long = String(repeating: "é\"😀 ", count: 2000)
        var transcript = AIGateway.Transcript(prompt: .object([("prompt", .string(long))]))
        transcript.text = "the answer"
        let text = AIGateway.runOutput(summary: summary, transcript: transcript, limit: 4096)
        #expect(text.utf8.count <= 4096)
        let output = try parsed(text)
        #expect(output["promptCut"] as? Bool == true && output["text"] as? String == "the answer")
        #expect((output["prompt"] as? String)?.hasPrefix(#"{"prompt":"é\"😀"#) == true)

        transcript.text = long
        let both = AIGateway.runOutput(summary: summary, transcript: transcript, limit: 4096)
        #expect(both.utf8.count <= 4096)
        let cut = try parsed(both)
        #expect(cut["prompt"] as? String == "" && cut["textCut"] as? Bool == true)
        #expect((cut["text"] as? String)?.hasPrefix("é\"😀 ") == true && cut["inputTokens"] as? Int == 3)
    }
}

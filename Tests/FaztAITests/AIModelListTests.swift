import FaztAI
import Testing

@Suite struct AIModelListTests {
    @Test func readsIdsOfEachProvider() throws {
        let openAI =
            #"{"object":"list","data":[{"id":"gpt-4o","object":"model"},{"id":"gpt-4o-mini","object":"model"}]}"#
        #expect(try AIModelList.ids(kind: .openAI, body: Array(openAI.utf8)) == ["gpt-4o", "gpt-4o-mini"])
        let anthropic =
            #"{"data":[{"type":"model","id":"claude-sonnet-4-5","display_name":"Claude"}],"has_more":false}"#
        #expect(try AIModelList.ids(kind: .anthropic, body: Array(anthropic.utf8)) == ["claude-sonnet-4-5"])
        let gemini = #"{"models":[{"name":"models/gemini-2.5-flash","displayName":"Flash"}]}"#
        #expect(try AIModelList.ids(kind: .gemini, body: Array(gemini.utf8)) == ["gemini-2.5-flash"])
        #expect(throws: AIRequestError.self) { try AIModelList.ids(kind: .gemini, body: Array(openAI.utf8)) }
    }
}

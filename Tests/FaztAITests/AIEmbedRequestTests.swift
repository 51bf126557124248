import FaztAI
import FaztJSON
import Testing

@Suite struct AIEmbedRequestTests {
    let request = AIEmbedRequest(model: "emb-1", input: ["a", "b"])

    @Test func openAIEmbeddings() throws {
        let wire = try request.wireRequest(endpoint: AIEndpoint(kind: .openAI, apiKey: "k"))
        #expect(wire.url == "https://api.openai.com/v1/embeddings")
        #expect(json(wire.body).text == #"{"model":"emb-1","input":["a","b"],"encoding_format":"float"}"#)
        let body =
            #"{"object":"list","data":[{"object":"embedding","index":1,"embedding":[0.5,-1]},{"object":"embedding","index":0,"embedding":[0.25,2]}],"model":"emb-1","usage":{"prompt_tokens":4,"total_tokens":4}}"#
        let result = try AIEmbedResult(kind: .openAI, body: Array(body.utf8))
        #expect(result == AIEmbedResult(vectors: [[0.25, 2], [0.5, -1]], inputTokens: 4))
    }

    @Test func geminiBatchEmbeddings() throws {
        let wire = try request.wireRequest(endpoint: AIEndpoint(kind: .gemini, apiKey: "k"))
        #expect(wire.url == "https://generativelanguage.googleapis.com/v1beta/models/emb-1:batchEmbedContents")
        #expect(
            json(wire.body).text
                == #"{"requests":[{"model":"models/emb-1","content":{"parts":[{"text":"a"}]}},{"model":"models/emb-1","content":{"parts":[{"text":"b"}]}}]}"#
        )
        let body = #"{"embeddings":[{"values":[1,2]},{"values":[3,4.5]}]}"#
        #expect(
            try AIEmbedResult(kind: .gemini, body: Array(body.utf8)) == AIEmbedResult(vectors: [[1, 2], [3, 4.5]])
        )
    }

    @Test func anthropicHasNoEmbeddings() {
        #expect(throws: AIRequestError.self) {
            try request.wireRequest(endpoint: AIEndpoint(kind: .anthropic, apiKey: "k"))
        }
    }

    @Test func rejectsMalformedVectors() {
        #expect(throws: AIRequestError.self) {
            try AIEmbedResult(kind: .openAI, body: Array(#"{"data":[{"index":0,"embedding":["x"]}]}"#.utf8))
        }
    }
}

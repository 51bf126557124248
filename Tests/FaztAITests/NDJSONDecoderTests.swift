import FaztAI
import FaztJSON
import Testing

@Suite struct NDJSONDecoderTests {
    static let body = "{\"a\":\"é😀\"}\r\n\n  \n{\"b\":2}\n[1,2]"

    func decode(_ chunks: [[UInt8]]) -> [String] {
        var decoder = NDJSONDecoder()
        var results: [Result<JSONValue, JSONSyntaxError>] = []
        for chunk in chunks { results += decoder.feed(chunk) }
        results += decoder.finish()
        return results.map { result in
            switch result {
            case .success(let value): value.text
            case .failure(let error): "error at \(error.offset)"
            }
        }
    }

    @Test func decodesLinesSkippingBlanksAtEverySplitPoint() {
        let expected = [#"{"a":"é😀"}"#, #"{"b":2}"#, "[1,2]"]
        for cut in 0...Self.body.utf8.count {
            #expect(decode(chunks(Self.body, cuts: [cut])) == expected, "cut at \(cut)")
        }
    }

    @Test func reportsABadLineAndGoesOn() {
        #expect(decode([Array("{\"a\":\n{\"b\":1}\n".utf8)]) == ["error at 5", #"{"b":1}"#])
    }
}

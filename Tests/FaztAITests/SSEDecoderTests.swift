import FaztAI
import Testing

@Suite struct SSEDecoderTests {
    static let fixture = """
        : keep-alive comment
        event: greeting
        id: 7
        data: first line
        data:  two spaces keep one
        data:no space

        retry: 1500
        data: café 😀 日本

        event: empty-is-not-dispatched

        data: tail without blank line
        """

    static let expected = [
        SSEEvent(event: "greeting", data: "first line\n two spaces keep one\nno space", id: "7"),
        SSEEvent(data: "café 😀 日本", id: "7", retry: 1500),
        SSEEvent(data: "tail without blank line", id: "7"),
    ]

    func decode(_ chunks: [[UInt8]]) -> [SSEEvent] {
        var decoder = SSEDecoder()
        var events: [SSEEvent] = []
        for chunk in chunks { events += decoder.feed(chunk) }
        return events + decoder.finish()
    }

    @Test func decodesFieldsCommentsAndMultipleDataLines() {
        #expect(decode([Array(Self.fixture.utf8)]) == Self.expected)
    }

    @Test func everySplitPointGivesTheSameEvents() {
        for text in [Self.fixture, crlf(Self.fixture)] {
            let count = text.utf8.count
            for cut in 0...count {
                #expect(decode(chunks(text, cuts: [cut])) == Self.expected, "cut at \(cut)")
            }
            #expect(decode(bytewise(text)) == Self.expected)
        }
    }

    @Test func acceptsCRLFAndLoneCRAndLF() {
        let mixed = "data: a\r\n\r\ndata: b\r\rdata: c\n\n"
        let expected = ["a", "b", "c"].map { SSEEvent(data: $0) }
        #expect(decode([Array(mixed.utf8)]).map(\.self) == expected)
        #expect(decode(bytewise(mixed)) == expected)
    }

    @Test func crAtTheEndOfAChunkPairsWithLFInTheNext() {
        // Were the `\n` read as a second line end, `data: b` would be split off into an event of its own.
        var decoder = SSEDecoder()
        #expect(decoder.feed(Array("data: a\r".utf8)).isEmpty)
        #expect(decoder.feed(Array("\ndata: b\r".utf8)).isEmpty)
        #expect(decoder.feed(Array("\n\r\n".utf8)) == [SSEEvent(data: "a\nb")])
    }

    @Test func multiByteCharactersSplitInsideSurviveByteByByteFeeding() {
        let text = "data: é😀日本\n\n"
        #expect(decode(bytewise(text)) == [SSEEvent(data: "é😀日本")])
    }

    @Test func skipsAByteOrderMarkOnlyAtTheStart() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let body = bom + Array("data: x\n\n".utf8)
        #expect(decode([body]) == [SSEEvent(data: "x")])
        #expect(decode(body.map { [$0] }) == [SSEEvent(data: "x")])
        // Without the skip, the first field name would be "\u{FEFF}data" and the event lost.
        let later = Array("data: x\n\n".utf8) + bom + Array("data: y\n\n".utf8)
        #expect(decode([later]) == [SSEEvent(data: "x")])
    }

    @Test func finishDispatchesOnlyAnEventWithData() {
        var decoder = SSEDecoder()
        #expect(decoder.feed(Array("event: x\n".utf8)).isEmpty)
        #expect(decoder.finish().isEmpty)
        var partial = SSEDecoder()
        #expect(partial.feed(Array("data: unterminated".utf8)).isEmpty)
        #expect(partial.finish() == [SSEEvent(data: "unterminated")])
    }

    @Test func ignoresInvalidRetryAndUnknownFields() {
        let text = "retry: 12a\nfoo: bar\ndata\n\n"
        #expect(decode([Array(text.utf8)]) == [SSEEvent(data: "")])
    }
}

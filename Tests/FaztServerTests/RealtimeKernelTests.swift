import Testing

@testable import FaztServer

/// The argument checks of `fazt.socket` calls and the socket JSON app code sees.
@Suite struct RealtimeKernelTests {
    @Test func acceptsTagListsWithinTheLimits() throws {
        #expect(try RealtimeKernel.tags(#"["a","b","a"]"#) == ["a", "b"])
        #expect(try RealtimeKernel.tags("[]") == [])
        let longest = String(repeating: "é", count: 256)
        #expect(try RealtimeKernel.tags("[\"\(longest)\"]") == [longest])
    }

    @Test(arguments: [
        #"{"a":1}"#, #"[1]"#, #"[""]"#, "[\"\(String(repeating: "x", count: 257))\"]",
        "[" + (0...10).map { "\"t\($0)\"" }.joined(separator: ",") + "]",
    ])
    func refusesBadTagLists(_ text: String) {
        #expect(throws: (any Error).self) { try RealtimeKernel.tags(text) }
    }

    @Test func closeCodesAreNormalOrTheApplicationRange() throws {
        #expect(try RealtimeKernel.closeCode("") == 1000)
        #expect(try RealtimeKernel.closeCode("1000") == 1000)
        #expect(try RealtimeKernel.closeCode("4999") == 4999)
        for bad in ["1001", "1008", "2999", "5000", "x", "-1"] {
            #expect(throws: (any Error).self) { try RealtimeKernel.closeCode(bad) }
        }
    }

    @Test func reasonsFitACloseFrame() throws {
        #expect(try RealtimeKernel.reason("", fallback: "kicked", "kick") == "kicked")
        #expect(try RealtimeKernel.reason("spam", fallback: "kicked", "kick") == "spam")
        #expect(throws: (any Error).self) {
            try RealtimeKernel.reason(String(repeating: "x", count: 124), fallback: "", "kick")
        }
    }

    @Test func socketJSONWritesTheAttachmentAsStored() {
        let json = RealtimeKernel.json(id: "ws_1", tags: ["a\"b"], attachment: #"{"n":1}"#, user: nil)
        #expect(json == #"{"id":"ws_1","tags":["a\"b"],"attachment":{"n":1},"user":null}"#)
    }
}

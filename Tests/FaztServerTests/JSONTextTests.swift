import Foundation
import Testing

@testable import FaztServer

@Suite struct JSONTextTests {
    @Test(arguments: ["plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "ctl \u{1}\u{1f}", "ünïcödé € 😀", ""])
    func escapesStringsSoJSONParsersReadThemBack(_ value: String) throws {
        var text = JSONText()
        text.raw("[")
        text.string(value)
        text.raw("]")
        let parsed = try JSONSerialization.jsonObject(with: Data(text.text.utf8)) as? [String]
        #expect(parsed == [value])
    }
}

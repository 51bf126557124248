import FaztVFS
import Testing

/// `*` matches any run of characters, including none; everything else matches itself.
@Suite struct ChannelPatternTests {
    /// Whether `pattern` (a valid one) matches `channel`.
    func matches(_ pattern: String, _ channel: String) -> Bool {
        guard let compiled = ChannelPattern(pattern) else {
            Issue.record("invalid pattern \(pattern)")
            return false
        }
        return compiled.matches(channel)
    }

    @Test func matchesStarsAnywhere() {
        #expect(matches("chat", "chat") && !matches("chat", "chat2"))
        #expect(matches("chat-*", "chat-") && matches("chat-*", "chat-room-1"))
        #expect(!matches("chat-*", "chat") && !matches("chat-*", "xchat-1"))
        #expect(matches("*", "a") && matches("*", "~!"))
        #expect(matches("*-admins", "room-admins") && !matches("*-admins", "room-admins-x"))
        #expect(matches("a*b*c", "abc") && matches("a*b*c", "aXbYbZc"))
        #expect(!matches("a*b*c", "ac") && !matches("a*b*c", "acb"))
        #expect(!matches("ab*ab", "ab") && matches("ab*ab", "abab"))
        #expect(matches("a**b", "ab") && matches("*a*", "xax"))
    }

    @Test func specificityCountsLiteralCharacters() {
        #expect(ChannelPattern("*")?.specificity == 0)
        #expect(ChannelPattern("chat-*")?.specificity == 5)
        #expect(ChannelPattern("a*b*c")?.specificity == 3)
        #expect(ChannelPattern("exact")?.specificity == 5)
    }

    @Test func validity() {
        #expect(ChannelPattern("") == nil)
        #expect(ChannelPattern("a b") == nil)
        #expect(ChannelPattern("é") == nil)
        #expect(ChannelPattern(String(repeating: "a", count: 256)) == nil)
        #expect(ChannelPattern(String(repeating: "a", count: 255)) != nil)
        #expect(ChannelPattern("x*")?.description == "x*")
        #expect(ChannelPattern.isValidChannelName("room:1/~!"))
        #expect(!ChannelPattern.isValidChannelName("room-*"))
        #expect(!ChannelPattern.isValidChannelName(""))
        #expect(!ChannelPattern.isValidChannelName("tab\there"))
        #expect(!ChannelPattern.isValidChannelName(String(repeating: "a", count: 256)))
    }
}

import FaztVFS
import Testing

/// `*` matches any run of characters, including none; everything else matches itself.
@Suite struct ChannelPatternTests {
    func pattern(_ text: String) throws -> ChannelPattern { try #require(ChannelPattern(text)) }

    @Test func matchesStarsAnywhere() throws {
        #expect(try pattern("chat").matches("chat") && !pattern("chat").matches("chat2"))
        #expect(try pattern("chat-*").matches("chat-") && pattern("chat-*").matches("chat-room-1"))
        #expect(try !pattern("chat-*").matches("chat") && !pattern("chat-*").matches("xchat-1"))
        #expect(try pattern("*").matches("a") && pattern("*").matches("~!"))
        #expect(try pattern("*-admins").matches("room-admins") && !pattern("*-admins").matches("room-admins-x"))
        #expect(try pattern("a*b*c").matches("abc") && pattern("a*b*c").matches("aXbYbZc"))
        #expect(try !pattern("a*b*c").matches("ac") && !pattern("a*b*c").matches("acb"))
        #expect(try pattern("ab*ab").matches("ab") == false && pattern("ab*ab").matches("abab"))
        #expect(try pattern("a**b").matches("ab") && pattern("*a*").matches("xax"))
    }

    @Test func specificityCountsLiteralCharacters() throws {
        #expect(try pattern("*").specificity == 0)
        #expect(try pattern("chat-*").specificity == 5)
        #expect(try pattern("a*b*c").specificity == 3)
        #expect(try pattern("exact").specificity == 5)
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

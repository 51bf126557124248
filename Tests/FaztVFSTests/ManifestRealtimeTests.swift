import Testing

@testable import FaztVFS

/// `"realtime"` in `fazt.json`: origins, channel rules in manifest order, and messages that name the
/// key at fault.
@Suite struct ManifestRealtimeTests {
    func parse(_ text: String) throws -> Manifest { try Manifest.parse(Array(text.utf8)) }

    func failure(_ text: String) -> String? { manifestFailure(text) }

    @Test func readsTheDocumentedShape() throws {
        let manifest = try parse(
            """
            {"realtime": {"origins": ["https://A.example", "http://localhost:3000"], "requireOrigin": true,
              "channels": {"chat-*": {"publish": true, "presence": true, "history": 50, "historySeconds": 600},
                           "private-*": {"auth": "token"}},
              "handler": "api/_socket.js", "deflate": true}}
            """
        )
        let realtime = manifest.realtime
        #expect(realtime.origins == ["https://a.example", "http://localhost:3000"])
        #expect(realtime.requireOrigin && realtime.deflate && realtime.handler == "api/_socket.js")
        #expect(realtime.channels.map(\.pattern.text) == ["chat-*", "private-*"])
        let chat = realtime.channels[0]
        #expect(chat.publish && chat.presence && chat.history == 50 && chat.historySeconds == 600 && chat.auth == .none)
        let secret = realtime.channels[1]
        #expect(!secret.publish && !secret.presence && secret.history == 100 && secret.auth == .token)
    }

    @Test func defaultsWhenAbsent() throws {
        let realtime = try parse("{}").realtime
        #expect(realtime == RealtimeOptions())
        #expect(realtime.origins == nil && !realtime.requireOrigin && realtime.channels.isEmpty)
        #expect(realtime.rule(for: "anything") == ChannelRule.default)
        #expect(try parse(#"{"realtime": {"origins": "*"}}"#).realtime.origins == ["*"])
    }

    @Test func theMostSpecificPatternWinsAndTiesGoToTheFirst() throws {
        let realtime = try parse(
            """
            {"realtime": {"channels": {"*": {"history": 1}, "chat-*": {"history": 2}, "chat-vip-*": {"history": 3},
                                       "*-vip-x": {"history": 4}, "chat-*-x": {"history": 5}}}}
            """
        ).realtime
        #expect(realtime.rule(for: "news").history == 1)
        #expect(realtime.rule(for: "chat-1").history == 2)
        #expect(realtime.rule(for: "chat-vip-1").history == 3)
        // "chat-vip-x" matches chat-vip-* (9), *-vip-x (6) and chat-*-x (7).
        #expect(realtime.rule(for: "chat-vip-x").history == 3)
        // "chat-a-vip-x" matches chat-* (5), *-vip-x (6) and chat-*-x (7).
        #expect(realtime.rule(for: "a-vip-x").history == 4)
        #expect(realtime.rule(for: "chat-a-vip-x").history == 5)
        let tied = try parse(#"{"realtime": {"channels": {"a*": {"history": 1}, "*a": {"history": 2}}}}"#).realtime
        #expect(tied.rule(for: "aa").history == 1)
        let swapped = try parse(#"{"realtime": {"channels": {"*a": {"history": 2}, "a*": {"history": 1}}}}"#).realtime
        #expect(swapped.rule(for: "aa").history == 2)
    }

    @Test func refusesBadOrigins() throws {
        for origin in [
            "example.com", "https://a.example/", "https://a.example/path", "https://", "https://a b",
            "https://a.example:0", "https://a.example:99999", "https://a.example:x", "1http://a", "*.example.com",
        ] {
            #expect(
                failure(#"{"realtime": {"origins": ["\#(origin)"]}}"#)
                    == #"fazt.json: "realtime.origins" entry "\#(origin)" must be scheme://host[:port] (no path, like "https://example.com") or "*""#,
                "\(origin)"
            )
        }
        #expect(
            try parse(#"{"realtime": {"origins": ["http://[::1]:8080"]}}"#).realtime.origins == ["http://[::1]:8080"]
        )
        #expect(
            failure(#"{"realtime": {"origins": [3]}}"#)
                == #"fazt.json: "realtime.origins" must be a string or a list of strings"#
        )
    }

    @Test func wrongValuesNameTheKey() {
        #expect(
            failure(#"{"realtime": {"channels": {"chat-*": {"history": 10001}}}}"#)
                == #"fazt.json: "realtime.channels.chat-*.history" must be a whole number of messages from 0 to 10000"#
        )
        #expect(
            failure(#"{"realtime": {"channels": {"chat-*": {"history": 1.5}}}}"#)
                == #"fazt.json: "realtime.channels.chat-*.history" must be a whole number ≥ 0"#
        )
        #expect(
            failure(#"{"realtime": {"channels": {"chat-*": {"historySeconds": 0}}}}"#)
                == #"fazt.json: "realtime.channels.chat-*.historySeconds" must be a positive whole number"#
        )
        #expect(
            failure(#"{"realtime": {"channels": {"chat-*": {"historySeconds": 86401}}}}"#)
                == #"fazt.json: "realtime.channels.chat-*.historySeconds" must be a whole number of seconds from 1 to 86400"#
        )
        #expect(
            failure(#"{"realtime": {"channels": {"chat-*": {"auth": "jwt"}}}}"#)
                == #"fazt.json: "realtime.channels.chat-*.auth" must be "none" or "token""#
        )
        #expect(
            failure(#"{"realtime": {"channels": {"chat-*": {"publish": "yes"}}}}"#)
                == #"fazt.json: "realtime.channels.chat-*.publish" must be true or false"#
        )
        #expect(
            failure(#"{"realtime": {"channels": {"chat room": {}}}}"#)
                == #"fazt.json: channel pattern "chat room" in "realtime.channels" must be 1-255 printable ASCII characters without spaces ('*' matches any run of characters)"#
        )
        #expect(failure(#"{"realtime": {"channels": {"": {}}}}"#)?.contains("channel pattern \"\"") == true)
        #expect(
            failure(#"{"realtime": {"handler": "../x.js"}}"#)
                == #"fazt.json: "realtime.handler" must be the app-relative path of a .js file, like "api/_socket.js""#
        )
        #expect(failure(#"{"realtime": {"deflate": 1}}"#) == #"fazt.json: "realtime.deflate" must be true or false"#)
        #expect(failure(#"{"realtime": []}"#) == #"fazt.json: "realtime" must be an object"#)
    }

    @Test func unknownKeysAreRefusedWithASuggestion() {
        #expect(failure(#"{"websocket": {}}"#) == #"fazt.json: unknown key "websocket" (did you mean "realtime"?)"#)
        #expect(
            failure(#"{"realtime": {"channel": {}}}"#)
                == #"fazt.json: unknown key "realtime.channel" (did you mean "realtime.channels"?)"#
        )
        #expect(
            failure(#"{"realtime": {"channels": {"a-*": {"histroy": 5}}}}"#)
                == #"fazt.json: unknown key "realtime.channels.a-*.histroy" (did you mean "realtime.channels.a-*.history"?)"#
        )
    }

    @Test func storedManifestsStillReadRealtime() throws {
        let text = #"{"realtime": {"channels": {"a-*": {"publish": true}}}, "legacy": 1}"#
        #expect(try Manifest.parse(Array(text.utf8), strict: false).realtime.rule(for: "a-1").publish)
    }
}

import FaztJSON
import FaztRealtime
import Testing

/// Client messages in, with errors that name the field; server messages out, as JSON that parses.
@Suite struct ClientMessageTests {
    func error(_ text: String) -> ClientMessageError? {
        do {
            _ = try ClientMessage.parse(text)
            return nil
        } catch {
            return error
        }
    }

    func json(_ text: String) throws -> JSONValue { try JSONValue.decode(Array(text.utf8)) }

    @Test func parsesEveryKind() throws {
        #expect(
            try ClientMessage.parse(#"{"type":"subscribe","channel":"chat"}"#)
                == .subscribe(channel: "chat", since: nil, token: nil)
        )
        #expect(
            try ClientMessage.parse(
                #"{"type":"subscribe","channel":"chat","since":{"offset":7,"epoch":"ab"},"token":"v1.x.y"}"#
            )
                == .subscribe(channel: "chat", since: .init(offset: 7, epoch: "ab"), token: "v1.x.y")
        )
        #expect(
            try ClientMessage.parse(#"{"type":"subscribe","channel":"c","since":null,"token":null}"#)
                == .subscribe(channel: "c", since: nil, token: nil)
        )
        #expect(try ClientMessage.parse(#"{"type":"unsubscribe","channel":"chat"}"#) == .unsubscribe(channel: "chat"))
        #expect(
            try ClientMessage.parse(
                #"{"type":"publish","channel":"chat","data": {"text": "hi \"you\"", "n": [1, 2.5, true, null]}}"#
            )
                == .publish(channel: "chat", data: #"{"text":"hi \"you\"","n":[1,2.5,true,null]}"#)
        )
        #expect(
            try ClientMessage.parse(#"{"type":"publish","channel":"chat","data":"plain"}"#)
                == .publish(channel: "chat", data: #""plain""#)
        )
        #expect(try ClientMessage.parse(#"{"type":"presence","channel":"room-1"}"#) == .presence(channel: "room-1"))
        #expect(try ClientMessage.parse(#" {"type":"ping"} "#) == .ping)
        #expect(try ClientMessage.parse(#"{"type":"pong","extra":1}"#) == .pong)
    }

    @Test func errorsNameTheFieldAndCode() {
        #expect(error("{nope")?.code == .badJSON)
        #expect(error("[1]")?.code == .badJSON)
        #expect(error(#"{"channel":"a"}"#)?.code == .unknownType)
        #expect(error(#"{"type":5}"#)?.code == .unknownType)
        let unknown = error(#"{"type":"shout","channel":"a"}"#)
        #expect(unknown?.code == .unknownType && unknown?.message.contains(#""shout""#) == true)
        let missing = error(#"{"type":"subscribe"}"#)
        #expect(missing?.code == .badChannel && missing?.message.contains(#""channel""#) == true)
        #expect(error(#"{"type":"subscribe","channel":5}"#)?.code == .badChannel)
        #expect(error(#"{"type":"subscribe","channel":""}"#)?.code == .badChannel)
        let star = error(#"{"type":"subscribe","channel":"chat-*"}"#)
        #expect(star?.code == .badChannel && star?.message.contains("'*'") == true)
        #expect(error(#"{"type":"subscribe","channel":"a b"}"#)?.code == .badChannel)
        #expect(
            error(#"{"type":"publish","channel":"\#(String(repeating: "x", count: 256))","data":1}"#)?.code
                == .badChannel
        )
        let since = error(#"{"type":"subscribe","channel":"a","since":{"offset":-1,"epoch":"e"}}"#)
        #expect(since?.code == .badField && since?.channel == "a" && since?.message.contains("since.offset") == true)
        #expect(error(#"{"type":"subscribe","channel":"a","since":{"offset":1.5,"epoch":"e"}}"#)?.code == .badField)
        #expect(
            error(#"{"type":"subscribe","channel":"a","since":{"offset":1}}"#)?.message.contains("since.epoch") == true
        )
        #expect(error(#"{"type":"subscribe","channel":"a","since":3}"#)?.code == .badField)
        #expect(error(#"{"type":"subscribe","channel":"a","token":3}"#)?.code == .badField)
        let noData = error(#"{"type":"publish","channel":"a"}"#)
        #expect(noData?.code == .badField && noData?.message.contains(#""data""#) == true)
        #expect(
            ClientMessageError.Code.badJSON.rawValue == "bad_json"
                && ClientMessageError.Code.badField.rawValue == "bad_field"
        )
    }

    @Test func subscribedCarriesRecoveryOnlyWhenAsked() throws {
        let plain = try json(
            ServerMessage.subscribed(channel: "c", offset: 4, epoch: "e", recovered: nil, messages: [])
        )
        #expect(
            plain
                == .object([
                    ("type", .string("subscribed")), ("channel", .string("c")), ("offset", .number(4)),
                    ("epoch", .string("e")),
                ])
        )
        let entries = [
            ChannelHistory.Entry(offset: 3, timestampMs: 10, data: #"{"a":[1]}"#),
            .init(offset: 4, timestampMs: 11, data: "null"),
        ]
        let recovered = try json(
            ServerMessage.subscribed(channel: "c", offset: 4, epoch: "e", recovered: true, messages: entries)
        )
        #expect(recovered["recovered"] == .bool(true))
        #expect(
            recovered["messages"]
                == .array([
                    .object([
                        ("channel", .string("c")), ("data", .object([("a", .array([.number(1)]))])),
                        ("offset", .number(3)), ("timestamp", .number(10)),
                    ]),
                    .object([
                        ("channel", .string("c")), ("data", .null), ("offset", .number(4)), ("timestamp", .number(11)),
                    ]),
                ])
        )
        let lost = try json(
            ServerMessage.subscribed(channel: "c", offset: 9, epoch: "e", recovered: false, messages: [])
        )
        #expect(lost["recovered"] == .bool(false) && lost["messages"] == .array([]))
    }

    @Test func messagesInsertDataVerbatim() throws {
        let text = ServerMessage.message(channel: "c", data: #"{"x":"y"}"#, offset: 12, timestampMs: 1_700_000_000_000)
        #expect(text == #"{"type":"message","channel":"c","data":{"x":"y"},"offset":12,"timestamp":1700000000000}"#)
        #expect(try json(text)["data"]?["x"] == .string("y"))
    }

    @Test func simpleMessages() {
        #expect(ServerMessage.ping() == #"{"type":"ping"}"#)
        #expect(ServerMessage.pong() == #"{"type":"pong"}"#)
        #expect(ServerMessage.unsubscribed(channel: "c") == #"{"type":"unsubscribed","channel":"c"}"#)
        #expect(
            ServerMessage.error(code: "bad_channel", message: "m", channel: nil)
                == #"{"type":"error","code":"bad_channel","error":"m"}"#
        )
        #expect(
            ServerMessage.error(code: "bad_field", message: "m", channel: "c")
                == #"{"type":"error","code":"bad_field","error":"m","channel":"c"}"#
        )
    }

    @Test func presenceMessages() throws {
        let ada = PresenceTable.Member(identity: "ada", user: "ada", connections: 2)
        let anonymous = PresenceTable.Member(identity: "s9", user: nil, connections: 1)
        #expect(
            ServerMessage.join(channel: "c", member: ada) == #"{"type":"join","channel":"c","user":"ada","id":"ada"}"#
        )
        #expect(
            ServerMessage.leave(channel: "c", member: anonymous)
                == #"{"type":"leave","channel":"c","user":null,"id":"s9"}"#
        )
        let list = try json(ServerMessage.presence(channel: "c", members: [ada, anonymous]))
        #expect(list["count"] == .number(2))
        #expect(
            list["clients"]
                == .array([
                    .object([("id", .string("ada")), ("user", .string("ada")), ("connections", .number(2))]),
                    .object([("id", .string("s9")), ("user", .null), ("connections", .number(1))]),
                ])
        )
        #expect(try json(ServerMessage.presence(channel: "c", members: []))["clients"] == .array([]))
    }

    @Test func escapesQuotesControlCharactersAndNonASCII() throws {
        let tricky = "say \"hi\"\\ \n\t\u{01} é 😀"
        let text = ServerMessage.error(code: "x", message: tricky, channel: nil)
        #expect(text.contains(#"say \"hi\"\\ \n\t\u0001 é 😀"#))
        #expect(try json(text)["error"] == .string(tricky))
        let member = PresenceTable.Member(identity: tricky, user: tricky, connections: 1)
        #expect(try json(ServerMessage.join(channel: "c", member: member))["user"] == .string(tricky))
        #expect(
            try json(ServerMessage.presence(channel: "c", members: [member]))["clients"]?.text.contains("😀") == true
        )
    }

    @Test func randomTextNeverCrashesTheParser() {
        var generator = SystemRandomNumberGenerator()
        let pieces = [
            "{", "}", "[", "]", ":", ",", "\"", "\\", "type", "subscribe", "publish", "channel", "since", "offset",
            "epoch", "data", "token", "1", "-1", "1e999", "null", "true", " ", "é", "\u{0}", "\\u00",
        ]
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0..<24, using: &generator)).map { _ in
                pieces[Int.random(in: 0..<pieces.count, using: &generator)]
            }.joined()
            _ = try? ClientMessage.parse(text)
        }
        #expect(error(#"{"type":"subscribe","channel":"a","since":{"offset":1e999,"epoch":"e"}}"#)?.code == .badField)
    }
}

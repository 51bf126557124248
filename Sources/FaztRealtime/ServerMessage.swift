import FaztJSON

/// The server's text messages, as compact JSON (the original Fazt's protocol).
///
/// Strings are escaped with `JSONValue.quote`; message `data` is already JSON text and is inserted
/// as is, so a broadcast never parses or re-encodes what a client or the app published.
public enum ServerMessage {
    /// The reply to a subscribe; `recovered` and `messages` only when the client sent `since`.
    public static func subscribed(
        channel: String,
        offset: UInt64,
        epoch: String,
        recovered: Bool?,
        messages: [ChannelHistory.Entry]
    ) -> String {
        var out = #"{"type":"subscribed","channel":"#
        JSONValue.quote(channel, into: &out)
        out += #","offset":\#(offset),"epoch":"#
        JSONValue.quote(epoch, into: &out)
        if let recovered {
            out += #","recovered":\#(recovered),"messages":["#
            for (index, entry) in messages.enumerated() {
                if index > 0 { out += "," }
                out += #"{"channel":"#
                JSONValue.quote(channel, into: &out)
                out += #","data":\#(entry.data),"offset":\#(entry.offset),"timestamp":\#(entry.timestampMs)}"#
            }
            out += "]"
        }
        return out + "}"
    }

    /// The reply to an unsubscribe: `{"type":"unsubscribed","channel":C}`.
    public static func unsubscribed(channel: String) -> String {
        #"{"type":"unsubscribed","channel":\#(JSONValue.quoted(channel))}"#
    }

    /// A published message: `{"type":"message","channel":C,"data":D,"offset":N,"timestamp":T}`.
    public static func message(channel: String, data: String, offset: UInt64, timestampMs: Int64) -> String {
        #"{"type":"message","channel":\#(JSONValue.quoted(channel)),"data":\#(data),"#
            + #""offset":\#(offset),"timestamp":\#(timestampMs)}"#
    }

    /// The server's keep-alive: `{"type":"ping"}`.
    public static func ping() -> String { #"{"type":"ping"}"# }

    /// The answer to a client's ping: `{"type":"pong"}`.
    public static func pong() -> String { #"{"type":"pong"}"# }

    /// A new member: `{"type":"join","channel":C,"user":U,"id":I}` (`user` null when anonymous).
    public static func join(channel: String, member: PresenceTable.Member) -> String {
        change("join", channel: channel, member: member)
    }

    /// A member's last socket left: `{"type":"leave","channel":C,"user":U,"id":I}`.
    public static func leave(channel: String, member: PresenceTable.Member) -> String {
        change("leave", channel: channel, member: member)
    }

    /// The member list: `{"type":"presence","channel":C,"clients":[{"id","user","connections"}],"count":N}`.
    public static func presence(channel: String, members: [PresenceTable.Member]) -> String {
        var out = #"{"type":"presence","channel":\#(JSONValue.quoted(channel)),"clients":["#
        for (index, member) in members.enumerated() {
            if index > 0 { out += "," }
            out += #"{"id":\#(JSONValue.quoted(member.identity)),"user":\#(optional(member.user)),"#
            out += #""connections":\#(member.connections)}"#
        }
        return out + #"],"count":\#(members.count)}"#
    }

    /// A refusal: `{"type":"error","code":K,"error":M,"channel":C}` (`channel` only when given).
    public static func error(code: String, message: String, channel: String?) -> String {
        var out = #"{"type":"error","code":\#(JSONValue.quoted(code)),"error":\#(JSONValue.quoted(message))"#
        if let channel { out += #","channel":\#(JSONValue.quoted(channel))"# }
        return out + "}"
    }

    private static func change(_ type: String, channel: String, member: PresenceTable.Member) -> String {
        #"{"type":"\#(type)","channel":\#(JSONValue.quoted(channel)),"user":\#(optional(member.user)),"#
            + #""id":\#(JSONValue.quoted(member.identity))}"#
    }

    private static func optional(_ text: String?) -> String { text.map(JSONValue.quoted) ?? "null" }
}

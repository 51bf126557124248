import FaztJSON
import FaztVFS

/// A text message from a client: a JSON object with a `type` (the original Fazt's protocol).
public enum ClientMessage: Sendable, Equatable {
    /// `{"type":"subscribe","channel":C,"since":{"offset":N,"epoch":E}?,"token":T?}`
    case subscribe(channel: String, since: Since?, token: String?)
    /// `{"type":"unsubscribe","channel":C}`
    case unsubscribe(channel: String)
    /// `{"type":"publish","channel":C,"data":D}`; `data` is the value as compact JSON text.
    case publish(channel: String, data: String)
    /// `{"type":"pong"}`: the answer to the server's JSON ping.
    case pong
    /// `{"type":"presence","channel":C}`: asks for the channel's member list.
    case presence(channel: String)
    /// `{"type":"ping"}`: the client's own keep-alive, answered with a pong by the server alone.
    case ping

    /// Where a resubscribing client left off.
    public struct Since: Sendable, Equatable {
        /// The offset of the last message the client has.
        public var offset: UInt64
        /// The epoch that offset belongs to; `""` with offset 0 asks for the whole history.
        public var epoch: String

        public init(offset: UInt64, epoch: String) {
            self.offset = offset
            self.epoch = epoch
        }
    }

    /// Deepest nesting accepted in a message (its `data` included).
    public static let maxDepth = 64

    /// Parses one client message; the error names the field at fault and the fix.
    public static func parse(_ text: String) throws(ClientMessageError) -> ClientMessage {
        let message: JSONValue
        do {
            message = try JSONValue.decode(Array(text.utf8), maxDepth: maxDepth)
        } catch {
            throw ClientMessageError(.badJSON, "the message is not valid JSON (\(error.description))")
        }
        guard case .object = message else {
            throw ClientMessageError(.badJSON, "a message must be a JSON object with a \"type\"")
        }
        guard case .string(let type)? = message["type"] else {
            throw ClientMessageError(
                .unknownType,
                "the message needs \"type\": \"subscribe\", \"unsubscribe\", \"publish\", \"presence\", \"ping\" or \"pong\""
            )
        }
        switch type {
        case "subscribe":
            let channel = try readChannel(in: message)
            return .subscribe(
                channel: channel,
                since: try readSince(in: message, channel: channel),
                token: try readToken(in: message, channel: channel)
            )
        case "unsubscribe":
            return .unsubscribe(channel: try readChannel(in: message))
        case "publish":
            let channel = try readChannel(in: message)
            guard let data = message["data"] else {
                throw ClientMessageError(.badField, "publish needs \"data\": the JSON value to send", channel: channel)
            }
            return .publish(channel: channel, data: data.text)
        case "presence":
            return .presence(channel: try readChannel(in: message))
        case "ping":
            return .ping
        case "pong":
            return .pong
        default:
            throw ClientMessageError(
                .unknownType,
                "unknown message type \(JSONValue.quoted(String(type.prefix(64)))); use \"subscribe\", "
                    + "\"unsubscribe\", \"publish\", \"presence\", \"ping\" or \"pong\""
            )
        }
    }

    private static func readChannel(in message: JSONValue) throws(ClientMessageError) -> String {
        guard case .string(let channel)? = message["channel"] else {
            throw ClientMessageError(.badChannel, "the message needs \"channel\": the channel's name as a string")
        }
        guard ChannelPattern.isValidChannelName(channel) else {
            throw ClientMessageError(
                .badChannel,
                "channel \(JSONValue.quoted(String(channel.prefix(64)))) is not a channel name: use 1-255 printable "
                    + "ASCII characters without spaces or '*'"
            )
        }
        return channel
    }

    private static func readSince(in message: JSONValue, channel: String) throws(ClientMessageError) -> Since? {
        guard let since = message["since"], since != .null else { return nil }
        let fix = "\"since\" must be {\"offset\": N, \"epoch\": E} from the last message or subscribed reply"
        guard case .object = since else { throw ClientMessageError(.badField, fix, channel: channel) }
        guard case .number(let offset)? = since["offset"], offset >= 0, offset.rounded() == offset,
            offset <= 9_007_199_254_740_992
        else {
            throw ClientMessageError(.badField, "\(fix); \"since.offset\" must be a whole number ≥ 0", channel: channel)
        }
        guard case .string(let epoch)? = since["epoch"], epoch.utf8.count <= 64 else {
            throw ClientMessageError(
                .badField,
                "\(fix); \"since.epoch\" must be a string of at most 64 characters",
                channel: channel
            )
        }
        return Since(offset: UInt64(offset), epoch: epoch)
    }

    private static func readToken(in message: JSONValue, channel: String) throws(ClientMessageError) -> String? {
        switch message["token"] {
        case nil, .null?: return nil
        case .string(let token)?: return token
        default:
            throw ClientMessageError(
                .badField,
                "\"token\" must be the string fazt.socket.token returned",
                channel: channel
            )
        }
    }
}

/// A client message that cannot be acted on: a wire `code` and a message naming the field and the fix.
public struct ClientMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error code sent back in `{"type":"error","code":…}`.
    public enum Code: String, Sendable {
        case badJSON = "bad_json"
        case unknownType = "unknown_type"
        case badChannel = "bad_channel"
        case badField = "bad_field"
    }

    public let code: Code
    public let message: String
    /// The channel the message named, when it named a valid one.
    public let channel: String?

    public init(_ code: Code, _ message: String, channel: String? = nil) {
        self.code = code
        self.message = message
        self.channel = channel
    }

    public var description: String { message }
}

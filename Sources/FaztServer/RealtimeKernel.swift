import FaztRealtime
import FaztStorage
import FaztVFS
import NIOCore

/// `fazt.socket.*` (and the `ws` methods of socket handlers) from app JavaScript.
///
/// Every call acts on the calling app's own sockets and channels only: `call.app` is set by the
/// daemon from the invocation, never by JavaScript, and the hub keys everything by app, so an id
/// of another app's socket is simply not found.
struct RealtimeKernel: Sendable {
    static let ops: Set<StorageOp> = Set(StorageOp.allCases.filter(\.isRealtime))
    /// Largest attachment (`ws.setAttachment`), as JSON text.
    static let maxAttachmentBytes = 16 * 1024
    /// Most tags on one socket, and the longest tag, in characters.
    static let maxTags = 10
    static let maxTagCharacters = 256
    /// Lifetime of a connection token when `ttl` is not given, and the longest allowed, in seconds.
    static let defaultTokenSeconds = 3600
    static let maxTokenSeconds = 7 * 24 * 3600
    /// Longest kick or close reason, in bytes (a close frame's limit).
    static let maxReasonBytes = 123

    let realtime: RealtimeServices

    private var hub: RealtimeHub { realtime.hub }

    func perform(_ call: StorageCall, reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) {
        do {
            switch call.op {
            case .socketSubscribe, .socketUnsubscribe:
                try onSocket(call, reply: reply)
            default:
                reply(.success(StorageResult(json: try answer(call))))
            }
        } catch {
            reply(.failure(StorageError.wrapping(error)))
        }
    }

    /// The answer of a call that needs nothing from the socket's event loop.
    private func answer(_ call: StorageCall) throws(StorageError) -> String {
        let app = call.app
        switch call.op {
        case .socketBroadcast:
            let channel = try Self.channel(call.arg(0), "socket.broadcast")
            let data = try call.jsonText(1, "socket.broadcast: data", limit: hub.limits.maxMessageBytes)
            guard let rule = realtime.rule(app: app, channel: channel) else { throw Self.noLiveVersion(app) }
            let except = call.arg(2).isEmpty ? nil : call.arg(2)
            let offset = hub.publish(
                app: app,
                channel: channel,
                data: data,
                rule: rule,
                except: except,
                now: RealtimeServices.nowMs()
            )
            return String(offset)
        case .socketSend:
            let text = try messageText(call, 1, "socket.send")
            return hub.send(app: app, socketID: call.arg(0), text: text) ? "true" : "false"
        case .socketSendBinary:
            let bytes = call.data ?? []
            guard bytes.count <= hub.limits.maxMessageBytes else {
                throw StorageError(
                    .tooLarge,
                    "socket.send: the message is \(bytes.count) bytes (limit \(hub.limits.maxMessageBytes >> 10) KB)"
                )
            }
            return hub.send(app: app, socketID: call.arg(0), binary: bytes) ? "true" : "false"
        case .socketSendAll:
            let text = try messageText(call, 0, "realtime.broadcastAll")
            var sent = 0
            for socket in hub.sockets(app: app) where hub.send(app: app, socketID: socket.id, text: text) {
                sent += 1
            }
            return String(sent)
        case .socketSockets:
            let options = try call.options(0)
            let channel = options["channel"]?.stringValue
            let tag = options["tag"]?.stringValue
            return "[" + hub.sockets(app: app, channel: channel, tag: tag).map(Self.json).joined(separator: ",") + "]"
        case .socketCount:
            return String(hub.count(app: app, channel: call.arg(0).isEmpty ? nil : call.arg(0)))
        case .socketPresence:
            let channel = try Self.channel(call.arg(0), "socket.presence")
            let members = hub.presence(app: app, channel: channel).map { member in
                var out = JSONText()
                out.raw("{\"id\":")
                out.string(member.identity)
                out.raw(",\"user\":")
                if let user = member.user { out.string(user) } else { out.raw("null") }
                out.raw(",\"connections\":\(member.connections)}")
                return out.text
            }
            return "[" + members.joined(separator: ",") + "]"
        case .socketKick:
            let reason = try Self.reason(call.arg(1), fallback: "kicked", "socket.kick")
            return hub.close(app: app, socketID: call.arg(0), code: CloseCode.kicked, reason: reason) ? "true" : "false"
        case .socketClose:
            let code = try Self.closeCode(call.arg(1))
            let reason = try Self.reason(call.arg(2), fallback: "", "ws.close")
            return hub.close(app: app, socketID: call.arg(0), code: code, reason: reason) ? "true" : "false"
        case .socketToken:
            return try token(call)
        case .socketAttach:
            let attachment = try call.jsonText(1, "ws.setAttachment: the attachment", limit: Self.maxAttachmentBytes)
            let stored: String? = attachment == "null" ? nil : attachment
            return hub.update(app: app, socketID: call.arg(0), attachment: .some(stored)) ? "true" : "false"
        case .socketTags:
            let tags = try Self.tags(call.arg(1))
            return hub.update(app: app, socketID: call.arg(0), tags: tags) ? "true" : "false"
        default:
            throw StorageError(.invalidArgument, "\(call.op.rawValue) is not a socket call")
        }
    }

    /// `ws.subscribe` and `ws.unsubscribe`: done on the socket's own loop, where its subscription
    /// table lives (the answer waits for it).
    private func onSocket(
        _ call: StorageCall,
        reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void
    ) throws(StorageError) {
        let subscribe = call.op == .socketSubscribe
        let channel = try Self.channel(call.arg(1), subscribe ? "ws.subscribe" : "ws.unsubscribe")
        guard let socket = hub.subscriber(app: call.app, socketID: call.arg(0)) as? SocketConnection else {
            return reply(.success(StorageResult(json: "false")))
        }
        socket.eventLoop.execute {
            guard subscribe else {
                return reply(.success(StorageResult(json: socket.unsubscribeForApp(channel) ? "true" : "false")))
            }
            switch socket.subscribeForApp(channel) {
            case .subscribed: reply(.success(StorageResult(json: "true")))
            case .closed: reply(.success(StorageResult(json: "false")))
            case .refused(let message): reply(.failure(StorageError(.invalidArgument, "ws.subscribe: \(message)")))
            }
        }
    }

    /// `fazt.socket.token({user, channels, ttl})`: signed here with the app's key, which
    /// JavaScript never sees.
    private func token(_ call: StorageCall) throws(StorageError) -> String {
        let options = try call.options(0)
        var user: String?
        switch options["user"] {
        case nil, .null?: user = nil
        case .string(let text)? where !text.isEmpty && text.utf8.count <= SocketToken.maxUserBytes: user = text
        case .number(let number)? where number.rounded() == number && abs(number) < 9.0e15:
            user = String(Int64(number))
        default:
            throw StorageError(
                .invalidArgument,
                "socket.token: user must be a string of 1-\(SocketToken.maxUserBytes) bytes (or an integer)"
            )
        }
        var channels: [String] = []
        switch options["channels"] {
        case nil, .null?: break
        case .array(let items)? where items.count <= SocketToken.maxChannels:
            for item in items {
                guard case .string(let pattern) = item, ChannelPattern(pattern) != nil else {
                    throw StorageError(
                        .invalidArgument,
                        "socket.token: each channel is a name or a pattern like \"private-*\" (got \(item.text))"
                    )
                }
                channels.append(pattern)
            }
        default:
            throw StorageError(
                .invalidArgument,
                "socket.token: channels must be a list of at most \(SocketToken.maxChannels) channel patterns"
            )
        }
        var seconds = Self.defaultTokenSeconds
        switch options["ttl"] {
        case nil, .null?: break
        case .number(let number)? where number > 0 && number <= Double(Self.maxTokenSeconds):
            seconds = Int(number.rounded(.up))
        default:
            throw StorageError(
                .invalidArgument,
                "socket.token: ttl is in seconds, more than 0 and at most \(Self.maxTokenSeconds) (7 days)"
            )
        }
        let token = SocketToken(
            app: call.app,
            user: user,
            channels: channels,
            expiresAtMs: RealtimeServices.nowMs() + Int64(seconds) * 1000
        )
        return JSONValue.quoted(token.signed(key: realtime.tokenKey(app: call.app)))
    }

    // MARK: Arguments

    private func messageText(_ call: StorageCall, _ index: Int, _ what: String) throws(StorageError) -> String {
        let text = call.arg(index)
        guard text.utf8.count <= hub.limits.maxMessageBytes else {
            throw StorageError(
                .tooLarge,
                "\(what): the message is \(text.utf8.count) bytes (limit \(hub.limits.maxMessageBytes >> 10) KB)"
            )
        }
        return text
    }

    static func channel(_ name: String, _ what: String) throws(StorageError) -> String {
        guard ChannelPattern.isValidChannelName(name) else {
            throw StorageError(
                .invalidArgument,
                "\(what): a channel name is 1-255 printable ASCII characters without '*' (got \(JSONValue.quoted(name)))"
            )
        }
        return name
    }

    static func reason(_ text: String, fallback: String, _ what: String) throws(StorageError) -> String {
        guard text.utf8.count <= maxReasonBytes else {
            throw StorageError(.invalidArgument, "\(what): the reason is longer than \(maxReasonBytes) bytes")
        }
        return text.isEmpty ? fallback : text
    }

    /// A close code app code may send: 1000, or 3000-4999 (RFC 6455 §7.4.2); default 1000.
    static func closeCode(_ text: String) throws(StorageError) -> UInt16 {
        guard !text.isEmpty else { return CloseCode.normal }
        guard let code = UInt16(text), code == CloseCode.normal || (3000...4999).contains(code) else {
            throw StorageError(.invalidArgument, "ws.close: the code must be 1000 or 3000-4999 (got \(text))")
        }
        return code
    }

    static func tags(_ text: String) throws(StorageError) -> [String] {
        guard case .array(let items) = try JSONValue.parse(text.isEmpty ? "[]" : text) else {
            throw StorageError(.invalidArgument, "ws.setTags takes an array of strings")
        }
        guard items.count <= maxTags else {
            throw StorageError(.invalidArgument, "ws.setTags: at most \(maxTags) tags (got \(items.count))")
        }
        var tags: [String] = []
        for item in items {
            guard case .string(let tag) = item, !tag.isEmpty, tag.count <= maxTagCharacters else {
                throw StorageError(
                    .invalidArgument,
                    "ws.setTags: each tag is a string of 1-\(maxTagCharacters) characters"
                )
            }
            if !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    /// A socket as JavaScript sees it: `{id, tags, attachment, user}` (the attachment is stored as
    /// JSON text and written as is).
    static func json(_ socket: RealtimeHub.SocketInfo) -> String {
        json(id: socket.id, tags: socket.tags, attachment: socket.attachment, user: socket.user)
    }

    static func json(id: String, tags: [String], attachment: String?, user: String?) -> String {
        var out = JSONText()
        out.raw("{\"id\":")
        out.string(id)
        out.raw(",\"tags\":[")
        for (index, tag) in tags.enumerated() {
            if index > 0 { out.raw(",") }
            out.string(tag)
        }
        out.raw("],\"attachment\":")
        out.raw(attachment ?? "null")
        out.raw(",\"user\":")
        if let user { out.string(user) } else { out.raw("null") }
        out.raw("}")
        return out.text
    }

    static func noLiveVersion(_ app: String) -> StorageError {
        StorageError(.invalidArgument, "app \(app) has no live version")
    }
}

import FaztVFS
import NIOCore
import NIOWebSocket

/// One upgraded WebSocket, on its channel's event loop: no task, thread or JS context of its own.
///
/// Frames in go through the protocol (`WebSocketSession`) to the channel protocol and the app's
/// events; channel messages go out.
///
/// What it keeps while idle is small on purpose (ids, a subscription table, the session's state):
/// buffers exist only while a message is being read or written.
public final class SocketConnection: ChannelInboundHandler, ChannelSubscriber, @unchecked Sendable {
    // Safe: every mutable field is touched only on `eventLoop` (NIO calls handlers there; the hub
    // calls `deliver`, `sendDirect` and `shutdown` through tasks on it).
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// What every socket of one app shares: one object per app, not a copy in each socket.
    public final class AppShared: Sendable {
        public let app: String
        /// The master key's per-app derivation, for tokens passed in `subscribe`.
        public let tokenKey: [UInt8]
        /// The app's realtime options now (read at each subscribe: a deploy changes them).
        public let options: @Sendable () -> RealtimeOptions?
        /// Milliseconds since 1970.
        public let clock: @Sendable () -> Int64

        public init(
            app: String,
            tokenKey: [UInt8],
            options: @escaping @Sendable () -> RealtimeOptions?,
            clock: @escaping @Sendable () -> Int64
        ) {
            self.app = app
            self.tokenKey = tokenKey
            self.options = options
            self.clock = clock
        }
    }

    /// Everything a socket is given at the handshake.
    public struct Settings: Sendable {
        public var shared: AppShared
        public var address: String
        /// The verified connection token's user, if a token came with the handshake.
        public var token: SocketToken?
        /// The app's socket handler (`api/_socket.js`), when it has one.
        public var events: (any SocketEvents)?
        /// The window permessage-deflate compresses with, when the handshake negotiated it.
        public var deflateWindowBits: Int32?

        public var app: String { shared.app }
        public var options: @Sendable () -> RealtimeOptions? { shared.options }
        public var clock: @Sendable () -> Int64 { shared.clock }
        public var tokenKey: [UInt8] { shared.tokenKey }

        public init(shared: AppShared, address: String, token: SocketToken?, events: (any SocketEvents)? = nil) {
            self.shared = shared
            self.address = address
            self.token = token
            self.events = events
        }

        /// Settings with parts of their own (tests; the server shares one `AppShared` per app).
        public init(
            app: String,
            address: String,
            token: SocketToken?,
            tokenKey: [UInt8],
            options: @escaping @Sendable () -> RealtimeOptions?,
            clock: @escaping @Sendable () -> Int64,
            events: (any SocketEvents)? = nil
        ) {
            self.init(
                shared: AppShared(app: app, tokenKey: tokenKey, options: options, clock: clock),
                address: address,
                token: token,
                events: events
            )
        }
    }

    public let socketID: String
    public let eventLoop: any EventLoop
    private let settings: Settings
    private let hub: RealtimeHub
    private var parser: WebSocketFrameParser
    private var session: WebSocketSession
    private var context: ChannelHandlerContext?
    /// Channel → the channel's last offset when this socket subscribed (older deliveries still
    /// queued for an earlier subscription are skipped).
    private var subscriptions: [String: UInt64] = [:]
    private var registered = false
    private var closing = false
    private var closeTimer: Scheduled<Void>?
    /// Uptime (ns) of the last frame from the client.
    private(set) var lastHeard = NIODeadline.now()
    private var subscribeAllowance: Double
    private var allowanceCheckedAt = NIODeadline.now()
    private var closeReported = false
    /// This loop's socket registry (pings, batched flushes); set while the socket is open.
    private var heartbeat: SocketHeartbeat?
    /// Broadcast frames were written and wait for the end-of-tick flush.
    private var awaitingFlush = false
    /// The last valid token a `subscribe` carried.
    private var provenToken: SocketToken?
    /// The client speaks the JSON channel protocol, so it gets the heartbeat's JSON `ping`.
    ///
    /// True for every socket of an app without a socket handler, and for a handler's socket once it
    /// subscribed or sent a protocol message. A handler's socket that never did keeps its stream to
    /// the app's own messages (protocol pings keep it alive).
    private(set) var usesChannelProtocol: Bool

    public init(socketID: String, eventLoop: any EventLoop, hub: RealtimeHub, settings: Settings) {
        self.socketID = socketID
        self.eventLoop = eventLoop
        self.hub = hub
        self.settings = settings
        self.parser = WebSocketFrameParser(maxFrameBytes: hub.limits.maxMessageBytes)
        self.session = WebSocketSession(limits: hub.limits)
        self.session.allowsRSV1 = settings.deflateWindowBits != nil
        self.subscribeAllowance = Double(hub.limits.subscribesPerSecond)
        self.usesChannelProtocol = settings.events == nil
    }

    /// The user the socket proved with a token (on connect, or later in a `subscribe`).
    public var user: String? { settings.token?.user ?? provenToken?.user }

    public var deflateWindowBits: Int32? { settings.deflateWindowBits }

    /// One message's frame for this socket: compressed when deflate was negotiated.
    private func frame(text: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard let bits = settings.deflateWindowBits else { return WebSocketFrameBytes.text(text, allocator: allocator) }
        return PerMessageDeflate.frame(.text, ByteBuffer(string: text), windowBits: bits, allocator: allocator)
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let budget = hub.limits.outboundBudgetBytes
        _ = try? context.channel.syncOptions?.setOption(
            .writeBufferWaterMark,
            value: .init(low: budget / 2, high: budget)
        )
        hub.register(self, app: settings.app, address: settings.address, user: user)
        registered = true
        heartbeat = SocketHeartbeat.on(eventLoop, limits: hub.limits)
        heartbeat?.add(self)
        if let events = settings.events {
            events.opened(self) { [self] accepted in
                eventLoop.assertInEventLoop()
                if !accepted { shutdown(code: CloseCode.policyViolation, reason: "the app refused the connection") }
            }
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        finish(code: session.closeCode ?? 1006, reason: session.closeReason)
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        finish(code: session.closeCode ?? 1006, reason: session.closeReason)
        self.context = nil
    }

    private func finish(code: UInt16, reason: String) {
        closeTimer?.cancel()
        closeTimer = nil
        guard registered else { return }
        registered = false
        subscriptions = [:]
        // Before unregistering: the app's close event reads the socket's last tags and attachment.
        if !closeReported, let events = settings.events {
            closeReported = true
            events.closed(self, code: code, reason: reason)
        }
        hub.unregister(socketID: socketID, app: settings.app)
        heartbeat?.remove(self)
    }

    // MARK: Frames in

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        var actions: [WebSocketSession.Action] = []
        do {
            try parser.parse(&bytes) { frame in
                session.receive(frame, into: &actions)
                return session.state != .closed
            }
        } catch {
            session.failed(error, into: &actions)
        }
        perform(actions)
    }

    /// An I/O error: the connection is gone (the close code reported is 1006).
    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable, !closing {
            // More than the budget is waiting for this client: it cannot keep up.
            hub.countSlowConsumerClose()
            shutdown(
                code: CloseCode.slowConsumer,
                reason: "slow consumer: more than \(hub.limits.outboundBudgetBytes) bytes unread"
            )
        }
        context.fireChannelWritabilityChanged()
    }

    private func perform(_ actions: [WebSocketSession.Action]) {
        guard let context else { return }
        var wrote = false
        var closeAfter = false
        for action in actions {
            switch action {
            case .text(let text): handleText(text)
            case .binary(let bytes): handleBinary(bytes)
            case .write(let frame):
                context.write(wrapOutboundOut(frame), promise: nil)
                wrote = true
            case .alive: lastHeard = .now()
            case .closeAfterWrite: closeAfter = true
            }
        }
        if closeAfter {
            closing = true
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)))
                .assumeIsolated()
                .whenComplete { _ in context.close(promise: nil) }
        } else if wrote {
            context.flush()
        }
    }

    // MARK: The channel protocol

    private func handleText(_ text: String) {
        guard !closing else { return }
        let message: ClientMessage
        do {
            message = try ClientMessage.parse(text)
        } catch {
            if let events = settings.events, error.code == .badJSON || error.code == .unknownType {
                events.message(self, text: text, binary: nil)
            } else {
                reply(ServerMessage.error(code: error.code.rawValue, message: error.message, channel: error.channel))
            }
            return
        }
        usesChannelProtocol = true
        switch message {
        case .subscribe(let channel, let since, let token): subscribe(channel, since: since, token: token)
        case .unsubscribe(let channel):
            subscriptions[channel] = nil
            hub.unsubscribe(socketID: socketID, app: settings.app, channel: channel)
            reply(ServerMessage.unsubscribed(channel: channel))
        case .publish(let channel, let data): publish(channel, data: data)
        case .pong: break
        case .ping: reply(ServerMessage.pong())
        case .presence(let channel):
            guard let rule = rule(for: channel), rule.presence else {
                return refuse(
                    "presence_disabled",
                    "presence is off for \(channel) (fazt.json realtime.channels: \"presence\": true)",
                    channel
                )
            }
            guard subscriptions[channel] != nil else {
                return refuse("not_subscribed", "subscribe to \(channel) before asking who is present", channel)
            }
            reply(ServerMessage.presence(channel: channel, members: hub.presence(app: settings.app, channel: channel)))
        }
    }

    private func handleBinary(_ bytes: ByteBuffer) {
        guard !closing else { return }
        guard let events = settings.events else {
            return refuse("unsupported", "binary messages need a socket handler (api/_socket.js)", nil)
        }
        events.message(self, text: nil, binary: Array(bytes.readableBytesView))
    }

    private func rule(for channel: String) -> ChannelRule? {
        guard let options = settings.options() else { return nil }
        return options.rule(for: channel)
    }

    private func subscribe(_ channel: String, since: ClientMessage.Since?, token: String?) {
        guard spendSubscribeAllowance() else {
            return refuse(
                "rate_limited",
                "more than \(hub.limits.subscribesPerSecond) subscribes a second; slow down",
                channel
            )
        }
        guard let rule = rule(for: channel) else {
            return refuse("app_gone", "the app was deleted", channel)
        }
        if let problem = channelLimitProblem(channel) { return refuse("too_many_channels", problem, channel) }
        if let token {
            // A token passed here also proves who the socket is (presence counts by its user).
            do {
                let proven = try SocketToken.verify(
                    token,
                    key: settings.tokenKey,
                    app: settings.app,
                    now: settings.clock()
                )
                if let user = proven.user, self.user == nil {
                    hub.setUser(app: settings.app, socketID: socketID, user: user)
                }
                provenToken = proven
            } catch {
                return refuse("unauthorized", error.message, channel)
            }
        }
        if rule.auth == .token, let problem = tokenProblem(channel: channel) {
            return refuse("unauthorized", problem, channel)
        }
        _ = join(channel, rule: rule, since: since)
    }

    /// Subscribes on the hub, records the subscription and answers `subscribed` (with the missed
    /// messages when `since` was given); false when the socket closed meanwhile.
    private func join(_ channel: String, rule: ChannelRule, since: ClientMessage.Since?) -> Bool {
        guard
            let subscription = hub.subscribe(
                self,
                app: settings.app,
                channel: channel,
                rule: rule,
                since: since,
                now: settings.clock()
            )
        else { return false }
        usesChannelProtocol = true
        if subscriptions[channel] == nil { subscriptions[channel] = subscription.offset }
        var recovered: Bool?
        var missed: [ChannelHistory.Entry] = []
        switch subscription.recovery {
        case .recovered(let entries)?:
            recovered = true
            missed = entries
        case .notRecovered?: recovered = false
        case nil: break
        }
        reply(
            ServerMessage.subscribed(
                channel: channel,
                offset: subscription.offset,
                epoch: subscription.epoch,
                recovered: recovered,
                messages: missed
            )
        )
        return true
    }

    /// Why this socket may not take one more channel, or nil.
    private func channelLimitProblem(_ channel: String) -> String? {
        guard subscriptions[channel] == nil, subscriptions.count >= hub.limits.maxChannelsPerSocket else { return nil }
        return "a socket may subscribe to \(hub.limits.maxChannelsPerSocket) channels; unsubscribe from one first"
    }

    /// Why a token-gated channel refuses this socket, or nil when its token names the channel.
    private func tokenProblem(channel: String) -> String? {
        guard let token = provenToken ?? settings.token else {
            return
                "\(channel) needs a connection token: pass ?token= on connect or \"token\" in subscribe (fazt.socket.token)"
        }
        guard token.expiresAtMs > settings.clock() else {
            return "the connection token expired; ask the app for a new one (fazt.socket.token)"
        }
        guard token.allows(channel: channel) else {
            return "the connection token does not name \(channel)"
        }
        return nil
    }

    private func publish(_ channel: String, data: String) {
        guard let rule = rule(for: channel) else { return refuse("app_gone", "the app was deleted", channel) }
        guard rule.publish else {
            return refuse(
                "publish_disabled",
                "clients may not publish on \(channel) (fazt.json realtime.channels: \"publish\": true opens it)",
                channel
            )
        }
        if rule.auth == .token, let problem = tokenProblem(channel: channel) {
            return refuse("unauthorized", problem, channel)
        }
        hub.publish(app: settings.app, channel: channel, data: data, rule: rule, now: settings.clock())
    }

    private func spendSubscribeAllowance() -> Bool {
        let now = NIODeadline.now()
        let rate = Double(hub.limits.subscribesPerSecond)
        let elapsed = Double((now - allowanceCheckedAt).nanoseconds) / 1e9
        allowanceCheckedAt = now
        subscribeAllowance = min(rate, subscribeAllowance + elapsed * rate)
        guard subscribeAllowance >= 1 else { return false }
        subscribeAllowance -= 1
        return true
    }

    private func refuse(_ code: String, _ message: String, _ channel: String?) {
        reply(ServerMessage.error(code: code, message: message, channel: channel))
    }

    /// Writes one server message now.
    private func reply(_ text: String) {
        guard let context, !closing else { return }
        context.writeAndFlush(
            wrapOutboundOut(WebSocketFrameBytes.text(text, allocator: context.channel.allocator)),
            promise: nil
        )
    }

    // MARK: Calls from the app's code (`ws.subscribe`, `ws.unsubscribe`)

    /// What `subscribeForApp` did.
    public enum AppSubscription: Sendable, Equatable {
        case subscribed
        /// The socket has closed.
        case closed
        /// A limit or the app's state refused it; the message says why.
        case refused(String)
    }

    /// Subscribes this socket for its app's server code (`ws.subscribe`); call on `eventLoop`.
    ///
    /// No token or rate check (the app vouches); the channel limit still holds, and the client
    /// gets the usual `subscribed` message.
    public func subscribeForApp(_ channel: String) -> AppSubscription {
        guard registered, !closing else { return .closed }
        guard let rule = rule(for: channel) else { return .refused("the app was deleted") }
        if let problem = channelLimitProblem(channel) { return .refused(problem) }
        guard join(channel, rule: rule, since: nil) else { return .closed }
        return .subscribed
    }

    /// Unsubscribes this socket for its app's server code (`ws.unsubscribe`); call on `eventLoop`.
    ///
    /// False when it was not subscribed; the client gets the usual `unsubscribed` message.
    public func unsubscribeForApp(_ channel: String) -> Bool {
        guard registered, subscriptions.removeValue(forKey: channel) != nil else { return false }
        hub.unsubscribe(socketID: socketID, app: settings.app, channel: channel)
        reply(ServerMessage.unsubscribed(channel: channel))
        return true
    }

    // MARK: Frames out (ChannelSubscriber)

    public func deliver(_ delivery: Delivery) {
        guard let context, !closing, let since = subscriptions[delivery.channel] else { return }
        // Offset 0: an event outside the history (presence); else only what came after subscribing.
        guard delivery.offset == 0 || delivery.offset > since, delivery.except != socketID else { return }
        let frame = settings.deflateWindowBits == 15 ? delivery.compressedFrame ?? delivery.frame : delivery.frame
        context.write(wrapOutboundOut(frame), promise: nil)
        // Flushed once at the end of the loop tick: messages queued together leave together.
        if !awaitingFlush, let heartbeat {
            awaitingFlush = true
            heartbeat.flushLater(self)
        } else if heartbeat == nil {
            context.flush()
        }
    }

    /// Flushes what `deliver` wrote (called by this loop's `SocketHeartbeat`).
    func flushPending() {
        guard awaitingFlush else { return }
        awaitingFlush = false
        context?.flush()
    }

    public func sendDirect(_ frame: ByteBuffer, text: String?) {
        guard let context, !closing else { return }
        var frame = frame
        if let bits = settings.deflateWindowBits {
            if let text {
                frame = self.frame(text: text, allocator: context.channel.allocator)
            } else {
                frame = PerMessageDeflate.frame(
                    .binary,
                    WebSocketFrameBytes.payload(of: frame),
                    windowBits: bits,
                    allocator: context.channel.allocator
                )
            }
        }
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    /// Sends `frame` if the socket is open (pings from the heartbeat; app sends).
    func write(_ frame: ByteBuffer) {
        guard let context, !closing else { return }
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    /// Starts the close handshake with `code`; the connection closes when the client answers or
    /// after the close timeout.
    public func shutdown(code: UInt16, reason: String) {
        guard let context, !closing else { return }
        var actions: [WebSocketSession.Action] = []
        session.close(code: code, reason: reason, into: &actions)
        closing = true
        for case .write(let frame) in actions {
            context.write(wrapOutboundOut(frame), promise: nil)
        }
        context.flush()
        if code == CloseCode.slowConsumer || code == CloseCode.goingAway {
            // Nothing more is delivered; the client may still read what was queued, then the close.
            subscriptions = [:]
        }
        let timeout = TimeAmount.seconds(Int64(hub.limits.closeTimeoutSeconds))
        closeTimer = eventLoop.scheduleTask(in: timeout) { [self] in
            self.context?.close(promise: nil)
        }
    }

    /// Closes a socket that sent nothing within the read timeout.
    func closeSilent() {
        shutdown(code: CloseCode.noPong, reason: "no pong within \(hub.limits.readTimeoutSeconds) s")
    }
}

/// The app's side of its sockets (`api/_socket.js`): each call is an ordinary invocation in a worker.
public protocol SocketEvents: AnyObject, Sendable {
    /// A socket opened; `decide(false)` (on the socket's loop) closes it with 1008.
    func opened(_ socket: SocketConnection, decide: @escaping @Sendable (Bool) -> Void)
    /// A message the channel protocol does not handle (text that is not a protocol message, or binary).
    func message(_ socket: SocketConnection, text: String?, binary: [UInt8]?)
    /// The socket closed (exactly once).
    func closed(_ socket: SocketConnection, code: UInt16, reason: String)
}

import FaztVFS
import NIOCore
import NIOWebSocket
import Synchronization

/// Every app's channels and sockets: subscriptions, history, presence, and delivery.
///
/// One instance per daemon, used from every event loop and from app code (through kernel calls).
/// One lock guards membership, history appends and the socket registry; it is also held while
/// delivery tasks are queued, so they reach each loop in offset order. Frames are encoded once per
/// message and written on each subscriber's own loop, one task per loop per message.
public final class RealtimeHub: Sendable {
    private struct State {
        var apps: [String: AppState] = [:]
        var socketsPerAddress: [String: Int] = [:]
        /// Registered sockets of every app.
        var socketCount = 0
        /// Run once no socket is registered (shutdown waits on this).
        var emptyWaiters: [@Sendable () -> Void] = []
    }

    private struct AppState {
        var channels: [String: ChannelState] = [:]
        var sockets: [String: SocketRecord] = [:]
        /// Sockets admitted (handshake answered) and not yet closed.
        var admitted = 0

        var isEmpty: Bool { channels.isEmpty && sockets.isEmpty && admitted <= 0 }
    }

    private struct ChannelState {
        var history: ChannelHistory
        /// Subscribers grouped by event loop.
        var loops: [ObjectIdentifier: LoopGroup] = [:]
        var subscribers = 0
        /// Subscribers that take permessage-deflate frames (window 15): messages are compressed
        /// once for them.
        var compressing = 0
        var presence = PresenceTable()

        init(rule: ChannelRule) {
            history = ChannelHistory(
                limits: .init(
                    maxMessages: rule.history,
                    maxBytes: ChannelState.historyBytes,
                    maxAgeMs: Int64(rule.historySeconds) * 1000
                )
            )
        }

        static let historyBytes = 1 << 20
    }

    private struct LoopGroup {
        let loop: any EventLoop
        var members: [String: any ChannelSubscriber] = [:]
    }

    private struct SocketRecord {
        let subscriber: any ChannelSubscriber
        let address: String
        var user: String?
        var tags: [String] = []
        var attachment: String?
        var channels: Set<String> = []
        /// Channels whose presence lists this socket.
        var present: Set<String> = []
    }

    /// A socket as app code sees it (`fazt.socket.sockets`).
    public struct SocketInfo: Sendable, Equatable {
        public var id: String
        public var tags: [String]
        public var attachment: String?
        public var user: String?
        public var channels: [String]
    }

    /// Where a channel stood when a socket subscribed, and the missed messages when asked.
    public struct Subscription: Sendable, Equatable {
        public var offset: UInt64
        public var epoch: String
        public var recovery: ChannelHistory.Recovery?
    }

    public let limits: RealtimeLimits
    private let state = Mutex(State())
    private let allocator = ByteBufferAllocator()
    private let slowClosed = Atomic<Int>(0)

    public init(limits: RealtimeLimits = .init()) {
        self.limits = limits
    }

    /// Sockets closed because they did not read fast enough (for metrics and tests).
    public var slowConsumerCloses: Int { slowClosed.load(ordering: .relaxed) }

    /// Registered sockets and channels with at least one subscriber, over every app (for metrics).
    public var openCounts: (sockets: Int, channels: Int) {
        state.withLock { state in
            (state.socketCount, state.apps.values.reduce(0) { $0 + $1.channels.values.count { $0.subscribers > 0 } })
        }
    }

    func countSlowConsumerClose() {
        slowClosed.add(1, ordering: .relaxed)
    }

    // MARK: Sockets

    /// Takes a socket slot for `app` and the client `address` before the handshake is answered;
    /// returns why not when a limit is reached.
    public func admit(app: String, address: String) -> String? {
        state.withLock { state in
            if state.apps[app, default: AppState()].admitted >= limits.maxSocketsPerApp {
                return "this app has \(limits.maxSocketsPerApp) open sockets, the most allowed"
            }
            if state.socketsPerAddress[address, default: 0] >= limits.maxSocketsPerIP {
                return "this address has \(limits.maxSocketsPerIP) open sockets, the most allowed"
            }
            state.apps[app, default: AppState()].admitted += 1
            state.socketsPerAddress[address, default: 0] += 1
            return nil
        }
    }

    /// Gives back a slot taken by `admit` for a socket that never registered.
    public func release(app: String, address: String) {
        state.withLock { state in Self.releaseSlot(&state, app: app, address: address) }
    }

    private static func releaseSlot(_ state: inout State, app: String, address: String) {
        state.apps[app]?.admitted -= 1
        if let count = state.socketsPerAddress[address] {
            state.socketsPerAddress[address] = count > 1 ? count - 1 : nil
        }
        if state.apps[app]?.isEmpty == true { state.apps[app] = nil }
    }

    /// Registers an admitted socket so app code and the HTTP API can reach it.
    public func register(_ subscriber: any ChannelSubscriber, app: String, address: String, user: String?) {
        state.withLock { state in
            state.apps[app, default: AppState()].sockets[subscriber.socketID] = SocketRecord(
                subscriber: subscriber,
                address: address,
                user: user
            )
            state.socketCount += 1
        }
    }

    /// Removes a closed socket from its channels (announcing presence leaves) and frees its slot.
    public func unregister(socketID: String, app: String) {
        let waiters = state.withLock { state -> [@Sendable () -> Void] in
            guard let record = state.apps[app]?.sockets.removeValue(forKey: socketID) else { return [] }
            for channel in record.channels {
                removeMember(&state, app: app, channel: channel, record: record, socketID: socketID)
            }
            Self.releaseSlot(&state, app: app, address: record.address)
            state.socketCount -= 1
            guard state.socketCount == 0 else { return [] }
            defer { state.emptyWaiters.removeAll() }
            return state.emptyWaiters
        }
        for body in waiters { body() }
    }

    /// Runs `body` once no socket is open (at once when none is).
    public func whenNoSockets(_ body: @escaping @Sendable () -> Void) {
        let empty = state.withLock { state in
            if state.socketCount > 0 { state.emptyWaiters.append(body) }
            return state.socketCount == 0
        }
        if empty { body() }
    }

    // MARK: Channels

    /// Subscribes a registered socket; with `since`, also returns the messages it missed.
    ///
    /// The subscriber is added and the history read under one lock acquisition, and later
    /// messages reach the subscriber's loop as tasks queued after this call: the caller (on that
    /// loop) writes the reply first, so nothing is missed or repeated. Nil when the socket is not
    /// registered (it closed meanwhile).
    public func subscribe(
        _ subscriber: any ChannelSubscriber,
        app: String,
        channel: String,
        rule: ChannelRule,
        since: ClientMessage.Since?,
        now: Int64
    ) -> Subscription? {
        let id = subscriber.socketID
        return state.withLock { state -> Subscription? in
            guard var record = state.apps[app]?.sockets[id] else { return nil }
            let isNew = record.channels.insert(channel).inserted
            var join: PresenceTable.Member?
            let subscription = withChannel(&state, app: app, channel: channel, rule: rule) { channelState in
                if isNew {
                    let key = ObjectIdentifier(subscriber.eventLoop)
                    channelState.loops[key, default: LoopGroup(loop: subscriber.eventLoop)].members[id] = subscriber
                    channelState.subscribers += 1
                    if subscriber.deflateWindowBits == 15 { channelState.compressing += 1 }
                    if rule.presence,
                        case .join(let member)? = channelState.presence.add(socketID: id, user: record.user)
                    {
                        join = member
                    }
                }
                return Subscription(
                    offset: channelState.history.lastOffset,
                    epoch: channelState.history.epoch,
                    recovery: since.map { channelState.history.since(offset: $0.offset, epoch: $0.epoch, now: now) }
                )
            }
            if rule.presence { record.present.insert(channel) }
            state.apps[app]?.sockets[id] = record
            if let join {
                queue(&state, app: app, channel: channel, text: ServerMessage.join(channel: channel, member: join))
            }
            return subscription
        }
    }

    /// Unsubscribes a socket from one channel; false when it was not subscribed.
    @discardableResult
    public func unsubscribe(socketID: String, app: String, channel: String) -> Bool {
        state.withLock { state in
            guard var record = state.apps[app]?.sockets[socketID], record.channels.remove(channel) != nil else {
                return false
            }
            removeMember(&state, app: app, channel: channel, record: record, socketID: socketID)
            record.present.remove(channel)
            state.apps[app]?.sockets[socketID] = record
            return true
        }
    }

    private func removeMember(
        _ state: inout State,
        app: String,
        channel: String,
        record: SocketRecord,
        socketID: String
    ) {
        guard var channelState = state.apps[app]?.channels[channel] else { return }
        let key = ObjectIdentifier(record.subscriber.eventLoop)
        if channelState.loops[key]?.members.removeValue(forKey: socketID) != nil {
            channelState.subscribers -= 1
            if record.subscriber.deflateWindowBits == 15 { channelState.compressing -= 1 }
            if channelState.loops[key]?.members.isEmpty == true { channelState.loops[key] = nil }
        }
        let leave = record.present.contains(channel) ? channelState.presence.remove(socketID: socketID) : nil
        if channelState.subscribers == 0, channelState.history.count == 0 {
            state.apps[app]?.channels[channel] = nil
        } else {
            state.apps[app]?.channels[channel] = channelState
        }
        if case .leave(let member)? = leave {
            queue(&state, app: app, channel: channel, text: ServerMessage.leave(channel: channel, member: member))
        }
    }

    /// Publishes `data` (JSON text) on a channel and returns the message's offset.
    ///
    /// The message joins the channel's history and goes to every subscriber but `except`.
    @discardableResult
    public func publish(
        app: String,
        channel: String,
        data: String,
        rule: ChannelRule,
        except: String? = nil,
        now: Int64
    ) -> UInt64 {
        state.withLock { state in
            let entry = withChannel(&state, app: app, channel: channel, rule: rule) {
                $0.history.append(data: data, now: now)
            }
            let text = ServerMessage.message(
                channel: channel,
                data: data,
                offset: entry.offset,
                timestampMs: entry.timestampMs
            )
            queue(&state, app: app, channel: channel, text: text, offset: entry.offset, except: except)
            return entry.offset
        }
    }

    /// The channel's present clients (deduplicated by user).
    public func presence(app: String, channel: String) -> [PresenceTable.Member] {
        state.withLock { $0.apps[app]?.channels[channel]?.presence.members ?? [] }
    }

    /// One channel of an app as the owner sees it: listeners now, present identities, and the
    /// newest offset (messages published so far, counting from the channel's epoch).
    public struct ChannelSummary: Sendable, Equatable {
        public var name: String
        public var subscribers: Int
        public var present: Int
        public var offset: UInt64
    }

    /// The app's channels that are open (subscribed) or still hold history, by name.
    public func channels(app: String) -> [ChannelSummary] {
        state.withLock { state in
            (state.apps[app]?.channels ?? [:]).map { name, channel in
                ChannelSummary(
                    name: name,
                    subscribers: channel.subscribers,
                    present: channel.presence.count,
                    offset: channel.history.lastOffset
                )
            }
            .sorted { $0.name < $1.name }
        }
    }

    /// Sockets of the app, optionally only those on `channel` and carrying `tag`.
    public func sockets(app: String, channel: String? = nil, tag: String? = nil) -> [SocketInfo] {
        state.withLock { state in
            guard let sockets = state.apps[app]?.sockets else { return [] }
            return sockets.values.compactMap { record in
                if let channel, !record.channels.contains(channel) { return nil }
                if let tag, !record.tags.contains(tag) { return nil }
                return SocketInfo(
                    id: record.subscriber.socketID,
                    tags: record.tags,
                    attachment: record.attachment,
                    user: record.user,
                    channels: record.channels.sorted()
                )
            }
            .sorted { $0.id < $1.id }
        }
    }

    /// Number of the app's sockets, or of a channel's subscribers.
    public func count(app: String, channel: String? = nil) -> Int {
        state.withLock { state in
            guard let channel else { return state.apps[app]?.sockets.count ?? 0 }
            return state.apps[app]?.channels[channel]?.subscribers ?? 0
        }
    }

    /// One socket's registry entry.
    public func socket(app: String, id: String) -> SocketInfo? {
        state.withLock { state in
            guard let record = state.apps[app]?.sockets[id] else { return nil }
            return SocketInfo(
                id: id,
                tags: record.tags,
                attachment: record.attachment,
                user: record.user,
                channels: record.channels.sorted()
            )
        }
    }

    /// The connection behind one of the app's socket ids (app code subscribing a socket).
    public func subscriber(app: String, socketID: String) -> (any ChannelSubscriber)? {
        state.withLock { $0.apps[app]?.sockets[socketID]?.subscriber }
    }

    /// Sends a text message to one socket; false when the app has no such socket.
    @discardableResult
    public func send(app: String, socketID: String, text: String) -> Bool {
        guard let subscriber = state.withLock({ $0.apps[app]?.sockets[socketID]?.subscriber }) else { return false }
        let frame = WebSocketFrameBytes.text(text, allocator: allocator)
        subscriber.eventLoop.execute { subscriber.sendDirect(frame, text: text) }
        return true
    }

    /// Sends a binary message to one socket; false when the app has no such socket.
    @discardableResult
    public func send(app: String, socketID: String, binary: [UInt8]) -> Bool {
        guard let subscriber = state.withLock({ $0.apps[app]?.sockets[socketID]?.subscriber }) else { return false }
        let frame = WebSocketFrameBytes.encode(opcode: .binary, payload: binary, allocator: allocator)
        subscriber.eventLoop.execute { subscriber.sendDirect(frame, text: nil) }
        return true
    }

    /// Records the user a socket proved with a token after connecting (presence identifies it by it).
    func setUser(app: String, socketID: String, user: String) {
        state.withLock { state in
            if state.apps[app]?.sockets[socketID]?.user == nil { state.apps[app]?.sockets[socketID]?.user = user }
        }
    }

    /// Closes one socket with `code`; false when the app has no such socket.
    @discardableResult
    public func close(app: String, socketID: String, code: UInt16, reason: String) -> Bool {
        guard let subscriber = state.withLock({ $0.apps[app]?.sockets[socketID]?.subscriber }) else { return false }
        subscriber.eventLoop.execute { subscriber.shutdown(code: code, reason: reason) }
        return true
    }

    /// Closes every socket of an app (deleted: 1001) and forgets its channels.
    public func closeApp(_ app: String, reason: String) {
        let subscribers = state.withLock { state -> [any ChannelSubscriber] in
            let subscribers = state.apps[app]?.sockets.values.map(\.subscriber) ?? []
            state.apps[app]?.channels = [:]
            return subscribers
        }
        for subscriber in subscribers {
            subscriber.eventLoop.execute { subscriber.shutdown(code: CloseCode.goingAway, reason: reason) }
        }
    }

    /// Closes every socket of every app (server shutdown: 1001).
    public func closeAll(reason: String) {
        let subscribers = state.withLock { state in state.apps.values.flatMap { $0.sockets.values.map(\.subscriber) } }
        for subscriber in subscribers {
            subscriber.eventLoop.execute { subscriber.shutdown(code: CloseCode.goingAway, reason: reason) }
        }
    }

    /// Stores a socket's attachment (JSON text) and tags; false when the socket is gone.
    @discardableResult
    public func update(app: String, socketID: String, attachment: String?? = nil, tags: [String]? = nil) -> Bool {
        state.withLock { state in
            guard state.apps[app]?.sockets[socketID] != nil else { return false }
            if let attachment { state.apps[app]?.sockets[socketID]?.attachment = attachment }
            if let tags { state.apps[app]?.sockets[socketID]?.tags = tags }
            return true
        }
    }

    /// Drops history past its age and channels left with neither history nor subscribers.
    public func prune(now: Int64) {
        state.withLock { state in
            for app in Array(state.apps.keys) {
                guard var appState = state.apps.removeValue(forKey: app) else { continue }
                for name in Array(appState.channels.keys) {
                    appState.channels[name]?.history.prune(now: now)
                    if let channel = appState.channels[name], channel.subscribers == 0, channel.history.count == 0 {
                        appState.channels[name] = nil
                    }
                }
                if !appState.isEmpty { state.apps[app] = appState }
            }
        }
    }

    // MARK: Delivery

    private func withChannel<Result>(
        _ state: inout State,
        app: String,
        channel: String,
        rule: ChannelRule,
        _ body: (inout ChannelState) -> Result
    ) -> Result {
        body(&state.apps[app, default: AppState()].channels[channel, default: ChannelState(rule: rule)])
    }

    /// Queues one message for every subscriber of a channel: one task per event loop, queued
    /// under the lock so each loop runs them in the order offsets were given.
    private func queue(
        _ state: inout State,
        app: String,
        channel: String,
        text: String,
        offset: UInt64 = 0,
        except: String? = nil
    ) {
        guard let channelState = state.apps[app]?.channels[channel], !channelState.loops.isEmpty else { return }
        let groups = channelState.loops
        var compressed: ByteBuffer?
        if channelState.compressing > 0 {
            compressed = PerMessageDeflate.compress(ByteBuffer(string: text), force: true).map {
                WebSocketFrameBytes.encode(opcode: .text, payload: $0, rsv1: true, allocator: allocator)
            }
        }
        let delivery = Delivery(
            channel: channel,
            offset: offset,
            text: text,
            frame: WebSocketFrameBytes.text(text, allocator: allocator),
            compressedFrame: compressed,
            except: except
        )
        for group in groups.values {
            let members = group.members
            group.loop.execute {
                for member in members.values { member.deliver(delivery) }
            }
        }
    }

    /// Sends an event that is not part of the history (presence) to a channel's subscribers.
    func announce(app: String, channel: String, text: String) {
        state.withLock { state in queue(&state, app: app, channel: channel, text: text) }
    }
}

/// One message on its way to a channel's subscribers: encoded once, shared by all of them.
public struct Delivery: Sendable {
    public let channel: String
    /// The message's offset in the channel; 0 for events outside the history (presence).
    public let offset: UInt64
    /// The JSON text of the message (server-sent events write this).
    public let text: String
    /// The complete WebSocket text frame (sockets write this buffer as is).
    public let frame: ByteBuffer
    /// The same message compressed (permessage-deflate, window 15), when a subscriber takes it.
    public let compressedFrame: ByteBuffer?
    /// A socket that must not receive it (the publisher, when it asked).
    public let except: String?
}

/// What a channel delivers to: a WebSocket or an event stream, living on one event loop.
public protocol ChannelSubscriber: AnyObject, Sendable {
    var socketID: String { get }
    var eventLoop: any EventLoop { get }
    /// The permessage-deflate window it takes compressed frames with, or nil.
    var deflateWindowBits: Int32? { get }
    /// A channel message or event; called on `eventLoop`.
    func deliver(_ delivery: Delivery)
    /// A message for this socket alone (`fazt.socket.send`); called on `eventLoop`.
    /// `text` is nil for a binary message.
    func sendDirect(_ frame: ByteBuffer, text: String?)
    /// Closes with `code` (kick, app deleted); called on `eventLoop`.
    func shutdown(code: UInt16, reason: String)
}

extension ChannelSubscriber {
    public var deflateWindowBits: Int32? { nil }
}

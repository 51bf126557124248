import FaztRealtime
import FaztVFS
import NIOCore

/// `/_sse`: an app's channels as server-sent events, for clients behind proxies that strip
/// WebSocket upgrades.
///
/// Each event's `id` is the position in every channel of the stream (`offset:epoch:channel`,
/// space-separated), so a reconnect with `Last-Event-ID` recovers each channel exactly like a
/// WebSocket `subscribe` with `since`.
final class ChannelEventStream: ResponseStream, ChannelSubscriber, @unchecked Sendable {
    // Safe: `write`, `positions` and `open` are only touched on `eventLoop` once started.
    struct Subscription {
        var channel: String
        var rule: ChannelRule
        var since: ClientMessage.Since?
    }

    let socketID = RealtimeServices.newSocketID()
    private(set) var eventLoop: any EventLoop
    private let app: String
    private let address: String
    private let user: String?
    private let hub: RealtimeHub
    private let channels: [Subscription]
    private let clock: @Sendable () -> Int64
    private var write: ((ByteBuffer) -> EventLoopFuture<Void>)?
    /// Channel → (offset, epoch) of the last message sent.
    private var positions: [String: (UInt64, String)] = [:]
    private var open = false
    private var stopped = false

    init(
        app: String,
        address: String,
        user: String?,
        hub: RealtimeHub,
        channels: [Subscription],
        loop: any EventLoop,
        clock: @escaping @Sendable () -> Int64
    ) {
        self.app = app
        self.address = address
        self.user = user
        self.hub = hub
        self.channels = channels
        self.eventLoop = loop
        self.clock = clock
    }

    /// Parses a `Last-Event-ID` written by this stream: channel → position.
    static func positions(lastEventID: String?) -> [String: ClientMessage.Since] {
        guard let lastEventID else { return [:] }
        var found: [String: ClientMessage.Since] = [:]
        for part in lastEventID.split(separator: " ") {
            let fields = part.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let offset = UInt64(fields[0]) else { continue }
            found[String(fields[2])] = ClientMessage.Since(offset: offset, epoch: String(fields[1]))
        }
        return found
    }

    func start(on loop: any EventLoop, write: @escaping (ByteBuffer) -> EventLoopFuture<Void>) {
        guard !stopped else { return }
        eventLoop = loop
        self.write = write
        open = true
        hub.register(self, app: app, address: address, user: user)
        var text = ""
        for subscription in channels {
            guard
                let result = hub.subscribe(
                    self,
                    app: app,
                    channel: subscription.channel,
                    rule: subscription.rule,
                    since: subscription.since,
                    now: clock()
                )
            else { continue }
            positions[subscription.channel] = (result.offset, result.epoch)
            if case .recovered(let missed)? = result.recovery {
                for entry in missed {
                    text += event(
                        channel: subscription.channel,
                        offset: entry.offset,
                        epoch: result.epoch,
                        json: ServerMessage.message(
                            channel: subscription.channel,
                            data: entry.data,
                            offset: entry.offset,
                            timestampMs: entry.timestampMs
                        )
                    )
                }
            } else if case .notRecovered? = result.recovery {
                var json = JSONText()
                json.raw("{\"channel\":")
                json.string(subscription.channel)
                json.raw(",\"recovered\":false}")
                text += "event: reset\ndata: \(json.text)\n\n"
            }
        }
        text += "event: ready\ndata: {}\n\n"
        _ = write(ByteBuffer(string: text))
    }

    func stop() {
        eventLoop.execute { [self] in
            guard !stopped else { return }
            stopped = true
            if open {
                open = false
                write = nil
                hub.unregister(socketID: socketID, app: app)
            } else {
                // Stopped before it started (the connection closed first): give the slot back.
                hub.release(app: app, address: address)
            }
        }
    }

    private func event(channel: String, offset: UInt64, epoch: String, json: String) -> String {
        positions[channel] = (offset, epoch)
        let id = positions.sorted { $0.key < $1.key }.map { "\($0.value.0):\($0.value.1):\($0.key)" }
            .joined(separator: " ")
        return "id: \(id)\nevent: message\ndata: \(json)\n\n"
    }

    func deliver(_ delivery: Delivery) {
        guard open, let write, let position = positions[delivery.channel] else { return }
        if delivery.offset == 0 {
            _ = write(ByteBuffer(string: "event: presence\ndata: \(delivery.text)\n\n"))
            return
        }
        guard delivery.offset > position.0 else { return }
        _ = write(
            ByteBuffer(
                string: event(
                    channel: delivery.channel,
                    offset: delivery.offset,
                    epoch: position.1,
                    json: delivery.text
                )
            )
        )
    }

    func sendDirect(_ frame: ByteBuffer, text: String?) {
        // Binary messages have no place in an event stream.
        guard open, let write, let text else { return }
        _ = write(ByteBuffer(string: "event: direct\ndata: \(text)\n\n"))
    }

    func shutdown(code: UInt16, reason: String) {
        guard open, let write else { return }
        _ = write(ByteBuffer(string: "event: close\ndata: {\"code\":\(code)}\n\n"))
    }
}

import FaztRealtime
import FaztVFS
import NIOCore
import NIOEmbedded
import Testing

/// A subscriber that records what reaches it, on an embedded loop (tasks run on `run()`).
final class RecordingSubscriber: ChannelSubscriber, @unchecked Sendable {
    let socketID: String
    let eventLoop: any EventLoop
    var delivered: [Delivery] = []
    var direct: [String] = []
    var closed: [(UInt16, String)] = []

    init(_ id: String, loop: any EventLoop) {
        socketID = id
        eventLoop = loop
    }

    func deliver(_ delivery: Delivery) { delivered.append(delivery) }
    func sendDirect(_ frame: ByteBuffer, text: String?) { direct.append(text ?? "<binary>") }
    func shutdown(code: UInt16, reason: String) { closed.append((code, reason)) }

    var offsets: [UInt64] { delivered.map(\.offset).filter { $0 > 0 } }
    var texts: [String] { delivered.map(\.text) }
}

@Suite struct RealtimeHubTests {
    let loopA = EmbeddedEventLoop()
    let loopB = EmbeddedEventLoop()
    let rule = ChannelRule(pattern: ChannelPattern("*")!)

    private func connect(
        _ hub: RealtimeHub,
        _ id: String,
        app: String = "chat",
        loop: EmbeddedEventLoop,
        user: String? = nil
    ) -> RecordingSubscriber {
        let subscriber = RecordingSubscriber(id, loop: loop)
        #expect(hub.admit(app: app, address: "127.0.0.1") == nil)
        hub.register(subscriber, app: app, address: "127.0.0.1", user: user)
        return subscriber
    }

    @Test func aMessageReachesEverySubscriberOnEveryLoopOnceWithOneSharedFrame() {
        let hub = RealtimeHub()
        let a = connect(hub, "a", loop: loopA)
        let b = connect(hub, "b", loop: loopB)
        let other = connect(hub, "c", loop: loopA)
        for subscriber in [a, b] {
            #expect(hub.subscribe(subscriber, app: "chat", channel: "room", rule: rule, since: nil, now: 0) != nil)
        }
        #expect(hub.subscribe(other, app: "chat", channel: "elsewhere", rule: rule, since: nil, now: 0) != nil)
        #expect(hub.publish(app: "chat", channel: "room", data: "{\"n\":1}", rule: rule, now: 5) == 1)
        #expect(hub.publish(app: "chat", channel: "room", data: "{\"n\":2}", rule: rule, now: 6) == 2)
        loopA.run()
        loopB.run()
        #expect(a.offsets == [1, 2])
        #expect(b.offsets == [1, 2])
        #expect(other.delivered.isEmpty)
        #expect(a.delivered[0].frame == b.delivered[0].frame)
        #expect(a.texts[0].contains("\"data\":{\"n\":1}"))
    }

    @Test func resubscribingWithSinceReturnsExactlyTheMissedMessagesAndLiveOnesFollow() {
        let hub = RealtimeHub()
        let first = connect(hub, "a", loop: loopA)
        let start = hub.subscribe(first, app: "chat", channel: "room", rule: rule, since: nil, now: 0)!
        for n in 1...3 { hub.publish(app: "chat", channel: "room", data: "\(n)", rule: rule, now: Int64(n)) }
        loopA.run()
        #expect(first.offsets == [1, 2, 3])
        hub.unregister(socketID: "a", app: "chat")
        for n in 4...6 { hub.publish(app: "chat", channel: "room", data: "\(n)", rule: rule, now: Int64(n)) }
        let again = connect(hub, "a2", loop: loopA)
        let resumed = hub.subscribe(
            again,
            app: "chat",
            channel: "room",
            rule: rule,
            since: .init(offset: 3, epoch: start.epoch),
            now: 7
        )!
        guard case .recovered(let missed)? = resumed.recovery else {
            Issue.record("expected recovery, got \(String(describing: resumed.recovery))")
            return
        }
        #expect(missed.map(\.offset) == [4, 5, 6])
        #expect(resumed.offset == 6)
        hub.publish(app: "chat", channel: "room", data: "7", rule: rule, now: 8)
        loopA.run()
        #expect(again.offsets == [7])
    }

    @Test func aWrongEpochIsNotRecovered() {
        let hub = RealtimeHub()
        let a = connect(hub, "a", loop: loopA)
        hub.publish(app: "chat", channel: "room", data: "1", rule: rule, now: 1)
        let result = hub.subscribe(
            a,
            app: "chat",
            channel: "room",
            rule: rule,
            since: .init(offset: 0, epoch: "nope"),
            now: 2
        )
        #expect(result?.recovery == .notRecovered)
    }

    @Test func presenceJoinsAndLeavesOncePerUserAcrossConnections() {
        let hub = RealtimeHub()
        var presenceRule = rule
        presenceRule.presence = true
        let watcher = connect(hub, "w", loop: loopA, user: "watcher")
        _ = hub.subscribe(watcher, app: "chat", channel: "room", rule: presenceRule, since: nil, now: 0)
        loopA.run()
        watcher.delivered.removeAll()
        let tabs = (1...3).map { connect(hub, "tab\($0)", loop: loopB, user: "ann") }
        for tab in tabs { _ = hub.subscribe(tab, app: "chat", channel: "room", rule: presenceRule, since: nil, now: 0) }
        loopA.run()
        #expect(watcher.texts.filter { $0.contains("\"join\"") }.count == 1)
        let members = hub.presence(app: "chat", channel: "room")
        #expect(members.count == 2)
        #expect(members.first { $0.user == "ann" }?.connections == 3)
        for tab in tabs { hub.unregister(socketID: tab.socketID, app: "chat") }
        loopA.run()
        #expect(watcher.texts.filter { $0.contains("\"leave\"") }.count == 1)
        #expect(hub.presence(app: "chat", channel: "room").count == 1)
    }

    @Test func exceptSkipsThePublisherOnly() {
        let hub = RealtimeHub()
        let a = connect(hub, "a", loop: loopA)
        let b = connect(hub, "b", loop: loopA)
        for s in [a, b] { _ = hub.subscribe(s, app: "chat", channel: "room", rule: rule, since: nil, now: 0) }
        hub.publish(app: "chat", channel: "room", data: "1", rule: rule, except: "a", now: 1)
        loopA.run()
        #expect(a.delivered.count == 1)  // the hub hands it over; the socket skips it (except)
        #expect(a.delivered[0].except == "a")
        #expect(b.offsets == [1])
    }

    @Test func appsAreIsolated() {
        let hub = RealtimeHub()
        let mine = connect(hub, "a", app: "one", loop: loopA)
        let theirs = connect(hub, "b", app: "two", loop: loopA)
        _ = hub.subscribe(mine, app: "one", channel: "room", rule: rule, since: nil, now: 0)
        _ = hub.subscribe(theirs, app: "two", channel: "room", rule: rule, since: nil, now: 0)
        hub.publish(app: "one", channel: "room", data: "1", rule: rule, now: 1)
        #expect(!hub.send(app: "one", socketID: "b", text: "x"))
        #expect(!hub.close(app: "one", socketID: "b", code: 4009, reason: "x"))
        loopA.run()
        #expect(mine.offsets == [1])
        #expect(theirs.delivered.isEmpty)
        #expect(hub.sockets(app: "one").map(\.id) == ["a"])
        #expect(hub.count(app: "two", channel: "room") == 1)
    }

    @Test func limitsPerAppAndPerAddressAndSlotsComeBack() {
        var limits = RealtimeLimits()
        limits.maxSocketsPerApp = 2
        limits.maxSocketsPerIP = 3
        let hub = RealtimeHub(limits: limits)
        #expect(hub.admit(app: "a", address: "1.1.1.1") == nil)
        #expect(hub.admit(app: "a", address: "1.1.1.1") == nil)
        #expect(hub.admit(app: "a", address: "1.1.1.1") != nil)
        #expect(hub.admit(app: "b", address: "1.1.1.1") == nil)
        #expect(hub.admit(app: "b", address: "1.1.1.1") != nil)
        #expect(hub.admit(app: "b", address: "2.2.2.2") == nil)
        hub.release(app: "a", address: "1.1.1.1")
        #expect(hub.admit(app: "a", address: "1.1.1.1") == nil)
    }

    @Test func closingAnAppShutsItsSocketsAndForgetsItsChannels() {
        let hub = RealtimeHub()
        let a = connect(hub, "a", loop: loopA)
        _ = hub.subscribe(a, app: "chat", channel: "room", rule: rule, since: nil, now: 0)
        hub.publish(app: "chat", channel: "room", data: "1", rule: rule, now: 1)
        hub.closeApp("chat", reason: "deleted")
        loopA.run()
        #expect(a.closed.map(\.0) == [1001])
        hub.unregister(socketID: "a", app: "chat")
        #expect(hub.count(app: "chat") == 0)
    }

    @Test func pruneDropsChannelsWithNeitherHistoryNorSubscribers() {
        let hub = RealtimeHub()
        var short = rule
        short.historySeconds = 1
        hub.publish(app: "chat", channel: "room", data: "1", rule: short, now: 0)
        let a = connect(hub, "a", loop: loopA)
        let kept = hub.subscribe(a, app: "chat", channel: "room", rule: short, since: nil, now: 10)
        #expect(kept?.offset == 1)
        hub.unregister(socketID: "a", app: "chat")
        hub.prune(now: 5_000)
        let b = connect(hub, "b", loop: loopA)
        // A new channel: a fresh epoch and offsets from zero.
        let fresh = hub.subscribe(b, app: "chat", channel: "room", rule: short, since: nil, now: 5_001)
        #expect(fresh?.offset == 0)
        #expect(fresh?.epoch != kept?.epoch)
    }
}

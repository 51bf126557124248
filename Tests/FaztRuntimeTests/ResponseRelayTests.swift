import Foundation
import Testing

@testable import FaztRuntime

/// The order in which a response's parts (and then the invocation's end) reach the HTTP layer.
@Suite struct ResponseRelayTests {
    final class Log: @unchecked Sendable {
        // Safe: `items` is only touched under `lock`.
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ item: String) { lock.withLock { items.append(item) } }
        var all: [String] { lock.withLock { items } }
    }

    @Test func deliversAtOnceWhenNothingIsHeld() {
        let relay = ResponseRelay()
        let log = Log()
        relay.run { log.add("head") }
        #expect(log.all == ["head"])
        #expect(!relay.started)
        relay.markStarted()
        #expect(relay.started)
    }

    @Test func holdsEverythingQueuedBehindAHeldHeadUntilReleased() {
        let relay = ResponseRelay()
        let log = Log()
        relay.hold()
        relay.run { log.add("head") }
        relay.run { log.add("chunk 1") }
        relay.run { log.add("end") }
        relay.run { log.add("completion") }
        #expect(log.all.isEmpty, "nothing leaves before the writes are durable")
        relay.release()
        #expect(log.all == ["head", "chunk 1", "end", "completion"])
        relay.run { log.add("late") }
        #expect(log.all.last == "late")
    }

    @Test func keepsTheOrderWhenPartsArriveWhileItDrains() {
        let relay = ResponseRelay()
        let log = Log()
        relay.hold()
        relay.run {
            log.add("head")
            // A part handed over while the queue drains waits its turn.
            relay.run { log.add("nested") }
            log.add("head done")
        }
        relay.run { log.add("chunk") }
        relay.release()
        #expect(log.all == ["head", "head done", "chunk", "nested"])
    }
}

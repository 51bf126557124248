import Testing

@testable import FaztServer

/// The order and bounds of one socket's handler events, without sockets or workers.
@Suite struct SocketEventQueueTests {
    typealias Event = SocketEventQueue.Event

    static func message(_ text: String) -> Event { .message(text: text, binary: nil) }

    @Test func runsOneEventAtATimeInOrder() {
        var queue = SocketEventQueue()
        #expect(queue.add(.open) == .start(.open))
        #expect(queue.add(Self.message("a")) == .queued)
        #expect(queue.add(Self.message("b")) == .queued)
        #expect(queue.add(.close(code: 1000, reason: "", socket: nil)) == .queued)
        #expect(queue.finished() == Self.message("a"))
        #expect(queue.finished() == Self.message("b"))
        #expect(queue.finished() == .close(code: 1000, reason: "", socket: nil))
        #expect(queue.finished() == nil)
        #expect(!queue.running)
        // Idle again: the next event starts at once.
        #expect(queue.add(Self.message("c")) == .start(Self.message("c")))
    }

    @Test func aRefusedOpenDropsEverythingAfterIt() {
        var queue = SocketEventQueue()
        #expect(queue.add(.open) == .start(.open))
        #expect(queue.add(Self.message("early")) == .queued)
        #expect(queue.finished(refused: true) == nil)
        #expect(queue.add(Self.message("late")) == .dropped)
        #expect(queue.add(.close(code: 1008, reason: "", socket: nil)) == .dropped)
        #expect(queue.pending.isEmpty && !queue.running)
    }

    @Test func closeIsAddedOnce() {
        var queue = SocketEventQueue()
        #expect(
            queue.add(.close(code: 1006, reason: "", socket: nil))
                == .start(.close(code: 1006, reason: "", socket: nil))
        )
        #expect(queue.add(.close(code: 1000, reason: "", socket: nil)) == .dropped)
    }

    @Test func boundsWaitingMessagesByCount() {
        var queue = SocketEventQueue()
        queue.maxPending = 2
        queue.maxPendingBytes = 10
        #expect(queue.add(.open) == .start(.open))
        #expect(queue.add(Self.message("12345")) == .queued)
        #expect(queue.add(.message(text: nil, binary: [1, 2, 3])) == .queued)
        #expect(queue.pendingBytes == 8)
        #expect(queue.add(Self.message("x")) == .overflow, "over the count bound")
        // The waiting messages go too, and every later one: the socket is being closed.
        #expect(queue.pending.isEmpty && queue.pendingBytes == 0)
        #expect(queue.add(Self.message("y")) == .dropped)
        // A close is never refused: the handler must hear it.
        #expect(queue.add(.close(code: 1008, reason: "", socket: nil)) == .queued)
        #expect(queue.finished() == .close(code: 1008, reason: "", socket: nil))
        #expect(queue.finished() == nil)
    }

    @Test func boundsWaitingMessagesByBytes() {
        var queue = SocketEventQueue()
        queue.maxPendingBytes = 10
        #expect(queue.add(.open) == .start(.open))
        #expect(queue.add(Self.message("12345")) == .queued)
        #expect(queue.add(Self.message("123456")) == .overflow)
        #expect(queue.finished() == nil)
    }
}

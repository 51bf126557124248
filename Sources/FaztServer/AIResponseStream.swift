import FaztAI
import FaztJSON
import Foundation
import NIOCore

/// A `fazt.ai.stream({…}).toResponse()` answer on its way to the HTTP caller as server-sent events.
///
/// The provider's events may start before the handler's response reaches the HTTP layer: they wait
/// here (bounded by the answer itself) until the connection takes the stream, then every event is
/// written as it comes (`event: TYPE` and `data: JSON`), and the connection closes after `finish`.
/// A caller that goes away cancels the upstream call.
final class AIResponseStream: FiniteResponseStream, @unchecked Sendable {
    // Safe: every mutable field is touched under `lock`.
    private let lock = NSLock()
    private var pending: [String] = []
    private var ended = false
    private var loop: (any EventLoop)?
    private var write: ((ByteBuffer) -> EventLoopFuture<Void>)?
    private var end: (() -> Void)?
    /// Text waiting for the write already scheduled on the loop, and when its pieces arrived: a
    /// burst of pieces that come while one write is on its way joins it (one task, one syscall).
    private var batch = ""
    private var batchArrivals: [NIODeadline] = []
    private var batchScheduled = false
    /// When the last write was issued (see `send`).
    private var lastWrite = NIODeadline.uptimeNanoseconds(0)
    /// Stops the upstream call (the caller left).
    var onStop: (@Sendable () -> Void)?
    /// Run with the connection's loop once the HTTP layer takes the stream (see `whenTaken`).
    private var takenWaiters: [@Sendable ((any EventLoop)?) -> Void] = []
    /// Where the time from a provider piece's arrival to its event's write is counted.
    private let latency: AILatencyHistogram?
    /// The same, up to the moment the write is issued (the daemon's part without the kernel's).
    private let toWrite: AILatencyHistogram?

    init(latency: AILatencyHistogram? = nil, toWrite: AILatencyHistogram? = nil) {
        self.latency = latency
        self.toWrite = toWrite
    }

    /// The gap after which a piece read on the loop is written at once rather than batched.
    static let pause = TimeAmount.milliseconds(1)

    /// The response header that names the stream (set by the prelude, removed by the daemon).
    static let header = "x-fazt-ai-stream"

    /// The head of the event stream: the handler's status and headers, with what proxies need to
    /// pass events through at once (never buffered, never compressed).
    static func head(_ response: Response) -> Response {
        var head = response
        head.headers.replaceOrAdd(name: "Content-Type", value: "text/event-stream; charset=utf-8")
        head.headers.replaceOrAdd(name: "Cache-Control", value: "no-cache")
        head.headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        head.headers.remove(name: "Content-Encoding")
        head.body = ByteBuffer()
        head.omitsLength = true
        return head
    }

    /// Events that arrived together (one read from the provider at `arrival`), from the provider's
    /// thread: one write, so a burst of tokens costs one syscall rather than one each; pieces that
    /// arrive before that write ran join it.
    func send(_ events: [AIStreamEvent], arrival: NIODeadline = .now()) {
        guard !events.isEmpty else { return }
        let text = events.map { "event: \($0.type)\ndata: \($0.json.text)\n\n" }.joined()
        lock.lock()
        guard let loop else {
            pending.append(text)
            lock.unlock()
            return
        }
        // Read on the loop itself (`LoopHTTPClient`) after a pause (a model at reading pace): written
        // at once, before the rest of the read's handling and without a task. Pieces that follow one
        // another closely (an answer at full speed) join one write at the end of the loop's pass.
        if !batchScheduled, arrival - lastWrite > Self.pause, loop.inEventLoop {
            lastWrite = arrival
            let write = self.write
            lock.unlock()
            written(write, ByteBuffer(string: text), [arrival])
            return
        }
        batch += text
        batchArrivals.append(arrival)
        guard !batchScheduled else {
            lock.unlock()
            return
        }
        // From another thread (libcurl's) this task wakes the loop; from the loop itself (read by
        // `LoopHTTPClient`) it runs at the end of the current pass, so the pieces read in one pass
        // leave in one write without any wake-up.
        batchScheduled = true
        lock.unlock()
        loop.execute { [self] in
            lock.lock()
            let text = batch
            let arrivals = batchArrivals
            let write = self.write
            batch = ""
            batchArrivals = []
            batchScheduled = false
            lastWrite = .now()
            lock.unlock()
            written(write, ByteBuffer(string: text), arrivals)
        }
    }

    /// Writes `buffer` and counts, for each piece in it, the time since its arrival: to the write's
    /// start and to its end.
    private func written(
        _ write: ((ByteBuffer) -> EventLoopFuture<Void>)?,
        _ buffer: ByteBuffer,
        _ arrivals: [NIODeadline]
    ) {
        guard let write else { return }
        if let toWrite { for arrival in arrivals { toWrite.record(since: arrival) } }
        let future = write(buffer)
        guard let latency else { return }
        future.whenSuccess { for arrival in arrivals { latency.record(since: arrival) } }
    }

    /// Runs `body` with the connection's event loop once the HTTP layer takes the stream (at once
    /// when it has), or with nil when nobody took it within `seconds`.
    func whenTaken(within seconds: Double = 10, _ body: @escaping @Sendable ((any EventLoop)?) -> Void) {
        lock.lock()
        if let loop {
            lock.unlock()
            return body(loop)
        }
        takenWaiters.append(body)
        lock.unlock()
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            let late = lock.withLock { () -> [@Sendable ((any EventLoop)?) -> Void] in
                defer { takenWaiters = [] }
                return loop == nil ? takenWaiters : []
            }
            for waiter in late { waiter(nil) }
        }
    }

    /// The answer is over: the connection closes once what was written is out.
    func finish() {
        lock.lock()
        ended = true
        guard let loop else {
            lock.unlock()
            return
        }
        lock.unlock()
        loop.execute { [self] in lock.withLock { end }?() }
    }

    func start(
        on loop: any EventLoop,
        write: @escaping (ByteBuffer) -> EventLoopFuture<Void>,
        end: @escaping () -> Void
    ) {
        lock.lock()
        let waiting = pending
        let over = ended
        pending = []
        self.loop = loop
        self.write = write
        self.end = end
        let waiters = takenWaiters
        takenWaiters = []
        lock.unlock()
        if !waiting.isEmpty { _ = write(ByteBuffer(string: waiting.joined())) }
        if over { end() }
        for waiter in waiters { waiter(loop) }
    }

    func stop() {
        let stop = lock.withLock { () -> (@Sendable () -> Void)? in
            defer { onStop = nil }
            return ended ? nil : onStop
        }
        stop?()
    }
}

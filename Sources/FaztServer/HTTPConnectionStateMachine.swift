import NIOCore

/// The protocol state of one HTTP/1.1 connection, free of channels so it can be tested alone.
///
/// Events go in (a request part, a body chunk, a response written, spool progress, a read requested);
/// decisions come out (process or queue a part, dispatch, reject with 413, pause or resume reads, close).
/// Reads pause while the channel is unwritable, while pipelined parts pile up, and while an upload's
/// bytes wait for the disk; a held read is issued again once all three allow it.
/// `Part` is whatever the caller queues for pipelined replay; the machine never looks inside it.
struct HTTPConnectionStateMachine<Part> {
    /// Where the connection is between requests.
    enum State: Equatable {
        /// No request is open; the next part must be a head.
        case idle
        /// A request's body is being read.
        case receiving(Receiving)
        /// An early final response (401, 413) was chosen: the rest of the request is ignored.
        case abandoned
        /// The request ended and its response is being produced; later parts wait in the queue.
        case awaitingResponse
        /// A response said `Connection: close`, or the channel closed; nothing more is read or written.
        case closing
    }

    /// The request whose body is being read.
    struct Receiving: Equatable {
        var id: UInt64
        var bytes = 0
        var limit: Int
    }

    /// Thresholds for pausing reads.
    struct Limits {
        /// Reads pause while this many spool bytes wait for the disk.
        var pauseSpoolBytes = 4 << 20
        /// Held reads resume once the spool backlog is below this.
        var resumeSpoolBytes = 1 << 20
        /// Reads pause while this many pipelined parts wait.
        var maxQueuedParts = 16
    }

    /// What to do with a part just read from the channel.
    enum ReadAction {
        /// Handle it now.
        case process(Part)
        /// It waits behind the response being produced.
        case queued
        /// The connection is closing or the request was abandoned; drop it.
        case ignore
    }

    /// What to do with a request head.
    enum HeadAction: Equatable {
        /// Read the body of request `id`.
        case receive(id: UInt64)
        /// The declared length is over `limit`: answer 413 (or 401 first) without reading the body.
        case rejectTooLarge(limit: Int)
    }

    /// What to do with a body chunk.
    enum BodyAction: Equatable {
        case accept
        /// The body passed `limit`: answer 413 and drop what was kept.
        case rejectTooLarge(limit: Int)
        case ignore
    }

    /// What to do once a response is written.
    enum ResponseAction: Equatable {
        /// Replay queued parts (then maybe resume reads).
        case drain
        /// Close the channel once the write completes.
        case close
        /// The connection was already closing; drop the response.
        case ignore
    }

    private(set) var state = State.idle
    private var queue = CircularBuffer<Part>()
    private var spoolBacklog = 0
    private var heldRead = false
    private var writable = true
    private var requestCount: UInt64 = 0
    let limits: Limits

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// True from a request head until its response is written.
    var requestInFlight: Bool {
        switch state {
        case .receiving, .abandoned, .awaitingResponse: true
        case .idle, .closing: false
        }
    }

    /// Whether reads are being held back.
    var readsPaused: Bool { heldRead }

    /// The number of pipelined parts waiting.
    var queuedParts: Int { queue.count }

    // MARK: Inbound

    /// A part arrived from the channel; `isHead` says whether it starts a request.
    mutating func read(_ part: Part, isHead: Bool) -> ReadAction {
        switch state {
        case .closing:
            return .ignore
        case .awaitingResponse:
            queue.append(part)
            return .queued
        case .abandoned:
            // A pipelined request behind an abandoned one waits; the rejection closes the connection.
            guard isHead else { return .ignore }
            queue.append(part)
            return .queued
        case .idle, .receiving:
            if !queue.isEmpty {
                queue.append(part)
                return .queued
            }
            return .process(part)
        }
    }

    /// A request head, with its declared length and the body limit its route allows.
    mutating func head(declaredLength: Int?, limit: Int) -> HeadAction {
        if let declaredLength, declaredLength > limit {
            state = .abandoned
            return .rejectTooLarge(limit: limit)
        }
        requestCount &+= 1
        state = .receiving(Receiving(id: requestCount, limit: limit))
        return .receive(id: requestCount)
    }

    /// A body chunk of `bytes` bytes.
    mutating func body(bytes: Int) -> BodyAction {
        guard case .receiving(var current) = state else { return .ignore }
        current.bytes += bytes
        if current.bytes > current.limit {
            state = .abandoned
            return .rejectTooLarge(limit: current.limit)
        }
        state = .receiving(current)
        return .accept
    }

    /// The request's end: true when it should be dispatched.
    mutating func end() -> Bool {
        guard case .receiving = state else { return false }
        state = .awaitingResponse
        return true
    }

    /// Whether request `id` is still reading its body (an async check may still act on it).
    func isReceiving(_ id: UInt64) -> Bool {
        if case .receiving(let current) = state { return current.id == id }
        return false
    }

    /// An early final response was chosen for the current request: ignore the rest of it.
    mutating func abandon() {
        if state != .closing { state = .abandoned }
    }

    // MARK: Outbound

    /// A response is being written; `keepAlive` says whether the connection stays open.
    mutating func responseWritten(keepAlive: Bool) -> ResponseAction {
        guard state != .closing else { return .ignore }
        if keepAlive {
            state = .idle
            return .drain
        }
        state = .closing
        queue.removeAll()
        return .close
    }

    /// The channel closed: nothing more is read or written, whatever is still pending.
    mutating func closed() {
        state = .closing
        queue.removeAll()
    }

    /// The next queued part to replay, while no response is pending.
    mutating func nextQueued() -> Part? {
        switch state {
        case .idle, .receiving: queue.popFirst()
        case .abandoned, .awaitingResponse, .closing: nil
        }
    }

    /// After replaying the queue: true when a held read should be issued now.
    mutating func drained() -> Bool {
        resumeIfPossible(queueEmpty: queue.isEmpty)
    }

    // MARK: Backpressure

    /// The channel wants to read: true to pass the read on, false to hold it.
    mutating func readRequested() -> Bool {
        if !writable || spoolBacklog >= limits.pauseSpoolBytes || queue.count >= limits.maxQueuedParts {
            heldRead = true
            return false
        }
        return true
    }

    /// The channel's writability changed: true when a held read should be issued now.
    ///
    /// A client that sends requests but does not read the answers fills the outbound buffer; reads
    /// pause until it drains, so pipelined requests cannot pile up responses without bound.
    mutating func writabilityChanged(isWritable: Bool) -> Bool {
        writable = isWritable
        return resumeIfPossible(queueEmpty: queue.isEmpty)
    }

    /// `bytes` were handed to the disk.
    mutating func spoolQueued(bytes: Int) {
        spoolBacklog += bytes
    }

    /// `bytes` reached the disk: true when a held read should be issued now.
    mutating func spoolWritten(bytes: Int) -> Bool {
        spoolBacklog -= bytes
        return resumeIfPossible(queueEmpty: true)
    }

    private mutating func resumeIfPossible(queueEmpty: Bool) -> Bool {
        guard heldRead, writable, queueEmpty, spoolBacklog < limits.resumeSpoolBytes else { return false }
        heldRead = false
        return true
    }
}

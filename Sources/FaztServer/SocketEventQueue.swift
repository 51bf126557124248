/// The events of one socket on their way to the app's socket handler: one runs at a time, in the
/// order they happened.
///
/// A pure value owned by the socket's `AppSocketEvents` and changed only on the socket's loop.
/// Once the app refused the socket at `open`, nothing more of it runs (not even `close`: the app
/// never accepted it). Waiting messages are bounded in number and bytes; past either bound the
/// waiting messages and every later one are dropped, and the caller closes the socket (a client
/// that sends faster than its handler runs must not keep workers busy after it is gone); its
/// `close` still runs.
struct SocketEventQueue: Equatable {
    enum Event: Equatable {
        case open
        case message(text: String?, binary: [UInt8]?)
        /// `socket`: the socket's record (JSON) when it closed; the hub forgets it right after.
        case close(code: UInt16, reason: String, socket: String?)

        /// Bytes of message data held while it waits.
        var bytes: Int {
            guard case .message(let text, let binary) = self else { return 0 }
            return (text?.utf8.count ?? 0) + (binary?.count ?? 0)
        }
    }

    /// What became of an event just added.
    enum Admission: Equatable {
        /// Nothing was running: run it now, then call `finished`.
        case start(Event)
        /// It waits behind the running event.
        case queued
        /// The app refused the socket, or its close was already queued: it never runs.
        case dropped
        /// Too many messages wait already: it and the waiting ones were dropped; close the socket.
        case overflow
    }

    /// Most messages waiting behind the running event.
    var maxPending = 100
    /// Most bytes of message data waiting.
    var maxPendingBytes = 1 << 20
    private(set) var pending: [Event] = []
    private(set) var pendingBytes = 0
    private(set) var running = false
    private(set) var refused = false
    private var closeAdded = false
    private(set) var overflowed = false

    /// Adds an event that just happened to the socket.
    mutating func add(_ event: Event) -> Admission {
        if case .close = event {
            if closeAdded { return .dropped }
            closeAdded = true
        }
        if refused { return .dropped }
        if overflowed, case .message = event { return .dropped }
        if !running {
            running = true
            return .start(event)
        }
        if case .message = event,
            pending.count >= maxPending || pendingBytes + event.bytes > maxPendingBytes
        {
            overflowed = true
            pending.removeAll { if case .message = $0 { true } else { false } }
            pendingBytes = 0
            return .overflow
        }
        pending.append(event)
        pendingBytes += event.bytes
        return .queued
    }

    /// The running event ended (`refused`: it was an `open` the app declined or that failed);
    /// returns the next one to run, if any.
    mutating func finished(refused: Bool = false) -> Event? {
        if refused {
            self.refused = true
            pending = []
            pendingBytes = 0
        }
        guard !pending.isEmpty else {
            running = false
            return nil
        }
        let next = pending.removeFirst()
        pendingBytes -= next.bytes
        return next
    }
}

import FaztVFS

/// One channel's recent messages, for clients that reconnect and ask for what they missed.
///
/// Every message gets the next `offset` (1, 2, 3, …: no gaps). The history keeps the newest messages
/// within `Limits` (a count, a byte total, an age); older ones are dropped from the front. The
/// `epoch` names this run of offsets: a new history (a restart, a channel that was idle and freed)
/// gets a new epoch, so a client's offset from an old one is never mistaken for a current one.
///
/// Recovery is all or nothing: a client gets exactly the messages after its offset, or is told they
/// are not all there (it then reloads its state some other way). Times are passed in (`now`, in
/// milliseconds) so the rules can be tested without a clock.
public struct ChannelHistory: Sendable {
    /// One published message.
    public struct Entry: Sendable, Equatable {
        public let offset: UInt64
        /// When it was published (ms since 1970; never earlier than the message before it).
        public let timestampMs: Int64
        /// The message as JSON text.
        public let data: String

        public init(offset: UInt64, timestampMs: Int64, data: String) {
            self.offset = offset
            self.timestampMs = timestampMs
            self.data = data
        }
    }

    /// How much history is kept; a message past any limit is dropped.
    public struct Limits: Sendable, Equatable {
        /// Messages kept (0: none, every recovery but an up-to-date one fails).
        public var maxMessages = 100
        /// Bytes of message data kept.
        public var maxBytes = 1 << 20
        /// How long a message stays recoverable, in ms.
        public var maxAgeMs: Int64 = 120_000

        public init(maxMessages: Int = 100, maxBytes: Int = 1 << 20, maxAgeMs: Int64 = 120_000) {
            self.maxMessages = max(0, maxMessages)
            self.maxBytes = max(0, maxBytes)
            self.maxAgeMs = max(0, maxAgeMs)
        }

        /// The limits a manifest channel rule asks for (`history` messages, `historySeconds`).
        public init(_ rule: ChannelRule, maxBytes: Int = 1 << 20) {
            self.init(maxMessages: rule.history, maxBytes: maxBytes, maxAgeMs: Int64(rule.historySeconds) * 1000)
        }
    }

    /// The answer to a `since` request.
    public enum Recovery: Sendable, Equatable {
        /// Every message after the client's offset, oldest first (empty when it is up to date).
        case recovered([Entry])
        /// Some message after the client's offset is gone, or the offset is from another epoch.
        case notRecovered
    }

    public let epoch: String
    public let limits: Limits
    /// The offset of the newest message; 0 before the first.
    public private(set) var lastOffset: UInt64 = 0
    private var entries = RingBuffer<Entry>()
    private var lastTimestampMs: Int64 = .min
    /// Bytes of `data` in `entries`.
    public private(set) var bytes = 0

    public init(epoch: String = ChannelHistory.newEpoch(), limits: Limits = .init()) {
        self.epoch = epoch
        self.limits = limits
    }

    /// Messages kept (some may be past `maxAgeMs` until `prune` or the next `append`).
    public var count: Int { entries.count }

    /// Adds a message with the next offset, then drops the oldest past the limits.
    ///
    /// The timestamp is `now`, or the previous message's when the clock went back, so that
    /// timestamps never decrease along offsets.
    public mutating func append(data: String, now: Int64) -> Entry {
        lastTimestampMs = max(lastTimestampMs, now)
        lastOffset += 1
        let entry = Entry(offset: lastOffset, timestampMs: lastTimestampMs, data: data)
        // Make room first so the ring never grows past `maxMessages` slots.
        while entries.count >= limits.maxMessages, let dropped = entries.removeFirst() {
            bytes -= dropped.data.utf8.count
        }
        if limits.maxMessages > 0 {
            entries.append(entry)
            bytes += data.utf8.count
        }
        while bytes > limits.maxBytes, let dropped = entries.removeFirst() {
            bytes -= dropped.data.utf8.count
        }
        prune(now: now)
        return entry
    }

    /// The messages after `offset` if the history still holds every one of them at `now`.
    ///
    /// `epoch` must be this history's, except that `("", 0)` asks for everything since the first
    /// message of whatever epoch is current (a new tab catching up).
    public func since(offset: UInt64, epoch: String, now: Int64) -> Recovery {
        let fromStart = epoch.isEmpty && offset == 0
        guard epoch == self.epoch || fromStart, offset <= lastOffset else { return .notRecovered }
        if offset == lastOffset { return .recovered([]) }
        // Offsets are consecutive, so the kept entries are `lastOffset - count + 1 ... lastOffset`,
        // and timestamps never decrease: the entry right after `offset` decides.
        let firstKept = lastOffset - UInt64(entries.count) + 1
        guard offset + 1 >= firstKept else { return .notRecovered }
        let start = Int(offset + 1 - firstKept)
        guard !isExpired(entries[start], now: now) else { return .notRecovered }
        var missed: [Entry] = []
        missed.reserveCapacity(entries.count - start)
        for index in start..<entries.count { missed.append(entries[index]) }
        return .recovered(missed)
    }

    /// Drops messages older than `maxAgeMs` at `now`; frees the storage when none is left.
    public mutating func prune(now: Int64) {
        while let oldest = entries.first, isExpired(oldest, now: now), let dropped = entries.removeFirst() {
            bytes -= dropped.data.utf8.count
        }
        if entries.isEmpty { entries.removeAll() }
    }

    /// A new epoch: 8 random bytes as 16 lower-case hex digits.
    public static func newEpoch() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private func isExpired(_ entry: Entry, now: Int64) -> Bool {
        now.subtractingReportingOverflow(entry.timestampMs).partialValue > limits.maxAgeMs
    }
}

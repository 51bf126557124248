import FaztAPI
import FaztStore
import Synchronization

/// App logs in `data.db`: appended in batches through the writer, trimmed to a ring per app.
public final class AppLogs: Sendable {
    /// Lines kept per app (oldest dropped first).
    static let keepPerApp = 2_000
    /// Oldest line kept, in milliseconds (7 days).
    static let maxAge: Int64 = 7 * 86_400_000
    /// Longest stored message; longer ones are cut.
    static let maxMessageBytes = 8 * 1024

    private let store: Store
    private let pending = Mutex<[(app: String, at: Int64, level: String, message: String)]>([])
    private let flushing = Atomic<Bool>(false)

    /// A log store over `store`.
    public init(store: Store) { self.store = store }

    /// Queues a line; a flush writes everything queued in one transaction.
    public func append(app: String, level: String, message: String) {
        var text = message
        if text.utf8.count > Self.maxMessageBytes {
            text = String(decoding: text.utf8.prefix(Self.maxMessageBytes), as: UTF8.self) + " …(truncated)"
        }
        let entry = (app, WallClock.nowMilliseconds(), level, text)
        pending.withLock { $0.append(entry) }
        guard !flushing.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task { await self.flush() }
    }

    private func flush() async {
        while true {
            let batch = pending.withLock { queue -> [(app: String, at: Int64, level: String, message: String)] in
                defer { queue.removeAll() }
                return queue
            }
            if batch.isEmpty {
                flushing.store(false, ordering: .releasing)
                // A line may have arrived between the empty check and the store above.
                if pending.withLock({ $0.isEmpty }) || flushing.exchange(true, ordering: .acquiringAndReleasing) {
                    return
                }
                continue
            }
            let apps = Set(batch.map(\.app))
            let cutoff = WallClock.nowMilliseconds() - Self.maxAge
            _ = try? await store.write { connection in
                for line in batch {
                    try connection.run(
                        "INSERT INTO logs (app, at, level, message) VALUES (?, ?, ?, ?)",
                        [.text(line.app), .integer(line.at), .text(line.level), .text(line.message)]
                    )
                }
                for app in apps {
                    try connection.run("DELETE FROM logs WHERE app = ? AND at < ?", [.text(app), .integer(cutoff)])
                    try connection.run(
                        """
                        DELETE FROM logs WHERE app = ? AND id <= (
                            SELECT id FROM logs WHERE app = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
                        """,
                        [.text(app), .text(app), .int(Self.keepPerApp)]
                    )
                }
            }
        }
    }

    /// Returns once every line queued so far is written (at most `timeoutMs` later): a caller that
    /// just saw an invocation end reads the lines it logged.
    public func settled(timeoutMs: Int = 1000) async {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            let idle = pending.withLock { $0.isEmpty } && !flushing.load(ordering: .acquiring)
            if idle { return }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Forgets every line of `app` (app deletion).
    public func delete(app: String) async throws {
        _ = try await store.write { try $0.run("DELETE FROM logs WHERE app = ?", [.text(app)]) }
    }

    /// Lines of `app` after `after` (an id), oldest first, at most `limit`; the newest `limit`
    /// when `after` is nil.
    public func read(app: String, after: Int64?, limit: Int) throws -> [LogEntry] {
        try store.read { connection in
            let map: (Row) -> LogEntry = {
                LogEntry(id: $0.int64(0), at: $0.int64(1), level: $0.string(2), message: $0.string(3))
            }
            if let after {
                return try connection.query(
                    "SELECT id, at, level, message FROM logs WHERE app = ? AND id > ? ORDER BY id LIMIT ?",
                    [.text(app), .integer(after), .int(limit)],
                    map
                )
            }
            return try connection.query(
                "SELECT id, at, level, message FROM logs WHERE app = ? ORDER BY id DESC LIMIT ?",
                [.text(app), .int(limit)],
                map
            ).reversed()
        }
    }
}

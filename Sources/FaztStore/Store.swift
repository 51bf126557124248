import CSQLite
import Foundation
import Logging

/// The one `data.db`: a single writer thread with group commit plus a pool of read-only connections.
///
/// Writers enqueue closures; the writer thread runs everything queued in one transaction (each
/// closure inside its own savepoint, so one failure does not undo the others) and commits once; a
/// separate thread syncs the WAL (`WALSyncer`) and only then acknowledges every caller, so an
/// acknowledged write is durable while the writer is already applying the next group.
public final class Store: Sendable {
    /// The database file path.
    public let path: String
    private let writer: StoreWriter
    private let readers: ReaderPool
    private let checkpointer: Checkpointer

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String, configuration: StoreConfiguration = .init(), logger: Logger? = nil) throws {
        self.path = path
        let connection = try Connection(path: path, readOnly: false)
        try connection.execute("PRAGMA journal_mode=WAL")
        // NORMAL: COMMIT writes the WAL without syncing it; WALSyncer syncs before anyone hears back.
        try connection.execute("PRAGMA synchronous=NORMAL")
        try connection.execute("PRAGMA foreign_keys=ON")
        try connection.execute("PRAGMA cache_size=-\(configuration.cacheKilobytes)")
        let applied = try Migrator.migrate(connection, configuration.migrations)
        for migration in applied {
            logger?.info(
                "applied migration",
                metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"]
            )
        }
        if configuration.journalsData { connection.journal = ChangeJournal(connection: connection.handle) }
        // Checkpoints run on their own thread (Checkpointer), never inside a commit.
        let checkpointer = Checkpointer(path: path)
        checkpointer.attach(to: connection)
        self.checkpointer = checkpointer
        self.writer = StoreWriter(
            connection: connection,
            maxBatch: configuration.maxBatch,
            syncer: WALSyncer(databasePath: path, syncs: configuration.syncsWAL)
        )
        self.readers = ReaderPool(path: path, size: configuration.readers, cacheKilobytes: configuration.cacheKilobytes)
    }

    /// Runs `body` on the writer inside the next group-commit transaction and returns its result
    /// once that transaction is durable.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            writer.enqueue(body) { continuation.resume(with: $0) }
        }
    }

    /// Like `write`, but blocks the calling thread; for command-line tools and startup code.
    public func writeBlocking<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let done = BlockingResult<T>()
        writer.enqueue(body) { done.set($0) }
        return try done.wait()
    }

    /// Like `writeBlocking`, but `body` runs alone in a transaction of its own (nothing else is
    /// grouped with it, so a failure cannot undo other callers' work nor theirs it).
    public func writeExclusiveBlocking<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let done = BlockingResult<T>()
        writer.apply(.exclusive, body) { [writer] result, seq in
            switch result {
            case .failure: done.set(result)
            case .success: writer.syncer.whenDurable(seq) { done.set(result) }
            }
        }
        return try done.wait()
    }

    /// Runs `body` on the writer and reports its result as soon as its transaction has committed
    /// (visible to readers, not yet synced), with the commit's sequence number.
    ///
    /// Whoever tells a client about it must first wait for `whenDurable(seq)`. `exclusive` runs
    /// `body` alone in its own transaction, which it may hold open (storage transactions); throwing
    /// rolls it back.
    ///
    /// `singleStatement` promises that `body` changes the database with at most one statement
    /// (reads aside): it then skips the savepoint, since SQLite undoes a failed statement itself.
    public func apply<T>(
        exclusive: Bool = false,
        singleStatement: Bool = false,
        _ body: @escaping (Connection) throws -> T,
        applied: @escaping (Result<T, Error>, UInt64) -> Void
    ) {
        writer.apply(exclusive ? .exclusive : .grouped, singleStatement: singleStatement, body, applied: applied)
    }

    /// Runs `body` once commit `seq` is durable.
    public func whenDurable(_ seq: UInt64, _ body: @escaping () -> Void) {
        writer.syncer.whenDurable(seq, body)
    }

    /// Runs `body` once every commit made so far is durable (used before acknowledging anything
    /// that may have read data committed but not yet synced).
    public func whenAllDurable(_ body: @escaping () -> Void) {
        writer.syncer.whenAllDurable(body)
    }

    /// Write jobs queued and not yet started (a saturation signal).
    public var pendingWrites: Int { writer.depth }

    /// Group commits since open and their total time from `BEGIN` to `COMMIT`, in seconds.
    public var commitStats: (count: Int, seconds: Double) { writer.commitStats }

    /// Runs `body` with a read-only connection from the pool (blocking; keep it off event loops).
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        try readers.with(body)
    }

    /// Frees SQLite page caches on idle connections (used when the server goes idle).
    public func releaseMemory() {
        readers.releaseMemory()
        writer.releaseMemory()
    }

    /// Writes the WAL back into the main file and truncates it (used on clean shutdown).
    public func checkpoint() throws {
        try writer.checkpoint()
    }

    deinit { close() }

    /// Stops the writer after draining its queue and closes every connection (idempotent).
    public func close() {
        writer.stop()
        checkpointer.stop()
        readers.close()
    }

    /// Background checkpoints completed since open (for tests and metrics).
    public var checkpointRuns: Int { checkpointer.completedRuns }
}

/// A one-shot result that a blocking caller waits for.
final class BlockingResult<T>: @unchecked Sendable {
    // Safe: `value` is written once under `condition` and read only after the signal.
    private let condition = NSCondition()
    private var value: Result<T, Error>?

    func set(_ result: Result<T, Error>) {
        condition.lock()
        value = result
        condition.signal()
        condition.unlock()
    }

    func wait() throws -> T {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let value { return try value.get() }
            condition.wait()
        }
    }
}

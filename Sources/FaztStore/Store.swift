import CSQLite
import Foundation
import Logging

/// The one `data.db`: a single writer thread with group commit plus a pool of read-only connections.
///
/// Writers enqueue closures; the writer thread runs everything queued in one transaction (each
/// closure inside its own savepoint, so one failure does not undo the others), commits once, then
/// acknowledges every caller. An acknowledged write is durable (WAL, `synchronous=FULL`).
public final class Store: Sendable {
    /// The database file path.
    public let path: String
    private let writer: StoreWriter
    private let readers: ReaderPool

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String, configuration: StoreConfiguration = .init(), logger: Logger? = nil) throws {
        self.path = path
        let connection = try Connection(path: path, readOnly: false)
        try connection.execute("PRAGMA journal_mode=WAL")
        try connection.execute("PRAGMA synchronous=\(configuration.synchronous)")
        try connection.execute("PRAGMA foreign_keys=ON")
        try connection.execute("PRAGMA cache_size=-\(configuration.cacheKilobytes)")
        let applied = try Migrator.migrate(connection, configuration.migrations)
        for migration in applied {
            logger?.info(
                "applied migration",
                metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"]
            )
        }
        self.writer = StoreWriter(connection: connection, maxBatch: configuration.maxBatch)
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
        readers.close()
    }
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

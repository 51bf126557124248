import FaztStore
import Foundation
import Synchronization

/// The daemon's side of app storage: applies writes on the store's single writer (group
/// commit), enforces quotas and back-pressure, and runs `fazt.storage.transaction` sessions.
///
/// A write is answered as soon as its group has committed, so the worker can go on (and read
/// its own write); the caller must not acknowledge anything to a client before
/// `whenAllDurable` fires (the supervisor holds the HTTP response until then).
public final class StorageService: Sendable {
    public let store: Store
    /// Default per-app quota in bytes (an app's own `quota_bytes` overrides it).
    public let quotaBytes: Int64
    /// Writes queued on the writer beyond which new ones fail with `BUSY` (503 + Retry-After).
    public let maxQueuedWrites: Int
    private let now: @Sendable () -> Int64
    private let sessions = Mutex<[SessionKey: StorageSession]>([:])
    /// Measured SQL bytes per app and when (writer thread).
    private let sqlBytes = Mutex<[String: (bytes: Int64, at: UInt64, dirty: Bool)]>([:])

    private struct SessionKey: Hashable {
        var owner: Int32
        var id: UInt64
    }

    public init(
        store: Store,
        quotaBytes: Int64 = StorageLimits.defaultQuotaBytes,
        maxQueuedWrites: Int = 20_000,
        now: @escaping @Sendable () -> Int64 = { StorageExecutor.wallClock() }
    ) {
        self.store = store
        self.quotaBytes = quotaBytes
        self.maxQueuedWrites = maxQueuedWrites
        self.now = now
    }

    /// Applies one write; `reply` runs on the writer thread after its group commits.
    public func perform(_ call: StorageCall, reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) {
        guard store.pendingWrites < maxQueuedWrites else {
            reply(.failure(StorageError(.busy, "the storage writer is saturated; try again shortly")))
            return
        }
        store.apply(
            singleStatement: call.op.isSingleStatement,
            { [self] connection in try execute(call, on: connection) },
            applied: { result, _ in reply(result.mapError { StorageError.wrapping($0) }) }
        )
    }

    /// Runs `body` (on the writer thread) once every write queued before it has been applied.
    public func barrier(_ body: @escaping @Sendable () -> Void) {
        store.apply({ _ in }, applied: { _, _ in body() })
    }

    /// Runs `body` once everything committed so far is durable.
    public func whenAllDurable(_ body: @escaping @Sendable () -> Void) {
        store.whenAllDurable(body)
    }

    private func execute(_ call: StorageCall, on connection: Connection) throws -> StorageResult {
        if call.op.grows { try checkQuota(call.app, connection) }
        let result = try connection.recordingChanges(of: call.app) {
            try StorageExecutor(connection: connection, now: now).run(call)
        }
        if call.op == .sqlExec || call.op == .sqlBatch { sqlBytes.withLock { $0[call.app]?.dirty = true } }
        return result
    }

    private func checkQuota(_ app: String, _ connection: Connection) throws {
        let row = try connection.queryOne(
            "SELECT kv_bytes + doc_bytes + blob_bytes + event_bytes, quota_bytes FROM storage_usage WHERE app = ?",
            [.text(app)]
        ) { ($0.int64(0), $0.optionalInt(1)) }
        let quota = row?.1.map(Int64.init) ?? quotaBytes
        let now = DispatchTime.now().uptimeNanoseconds
        // SQL pages are measured (dbstat) at most every 5 s per app, and only after SQL writes.
        let cached = sqlBytes.withLock { $0[app] }
        var sql = cached?.bytes ?? 0
        if cached.map({ $0.dirty && now - $0.at > 5_000_000_000 }) ?? true {
            sql = try StorageAdmin.sqlBytes(connection, app: app)
            sqlBytes.withLock { $0[app] = (sql, now, false) }
            // Workers check the quota before pipelined writes from this row.
            try connection.run(
                """
                INSERT INTO storage_usage (app, sql_bytes) VALUES (?, ?)
                ON CONFLICT (app) DO UPDATE SET sql_bytes = excluded.sql_bytes
                """,
                [.text(app), .integer(sql)]
            )
        }
        try Self.checkQuota(used: (row?.0 ?? 0) + sql, quota: quota)
    }

    static func checkQuota(used: Int64, quota: Int64) throws(StorageError) {
        guard used < quota else {
            throw StorageError(
                .quotaExceeded,
                "the app's storage quota is used up (\(used) of \(quota) bytes); delete data or ask the owner for more"
            )
        }
    }

    /// Bytes left under an app's quota (≤ 0 when used up), from any connection: what a worker
    /// checks before a pipelined write.
    public static func quotaHeadroom(
        _ connection: Connection,
        app: String,
        defaultQuota: Int64
    ) throws(StorageError)
        -> Int64
    {
        let row = try StorageError.catching {
            try connection.queryOne(
                "SELECT kv_bytes + doc_bytes + blob_bytes + sql_bytes + event_bytes, quota_bytes FROM storage_usage WHERE app = ?",
                [.text(app)]
            ) { ($0.int64(0), $0.optionalInt(1)) }
        }
        return (row?.1.map(Int64.init) ?? defaultQuota) - (row?.0 ?? 0)
    }

    /// The error for an app over its quota.
    public static func quotaError(headroom: Int64) -> StorageError {
        StorageError(
            .quotaExceeded,
            "the app's storage quota is used up (\(-headroom) bytes over); delete data or ask the owner for more"
        )
    }

    // MARK: - Transactions

    /// Starts a transaction session for `owner` (a worker pid): the writer runs nothing else until
    /// it ends, `timeoutMs` passes or the owner dies.
    ///
    /// `begun` runs once it holds the writer.
    public func begin(
        owner: Int32,
        session id: UInt64,
        timeoutMs: Int,
        begun: @escaping @Sendable (StorageError?) -> Void
    ) {
        guard store.pendingWrites < maxQueuedWrites else {
            begun(StorageError(.busy, "the storage writer is saturated; try again shortly"))
            return
        }
        let key = SessionKey(owner: owner, id: id)
        let session = StorageSession(
            deadline: DispatchTime.now().uptimeNanoseconds + UInt64(max(1, timeoutMs)) * 1_000_000
        )
        let inserted = sessions.withLock { sessions -> Bool in
            guard sessions[key] == nil else { return false }
            sessions[key] = session
            return true
        }
        guard inserted else {
            begun(StorageError(.transaction, "a transaction is already open"))
            return
        }
        store.apply(
            exclusive: true,
            { [self] connection in
                begun(nil)
                // Each call in its own savepoint: a failed call (caught by the app) leaves the rest
                // of the transaction intact.
                try session.serve { call in try connection.savepoint { try execute(call, on: connection) } }
            },
            applied: { [self] result, _ in
                sessions.withLock { _ = $0.removeValue(forKey: key) }
                session.finished(result.mapError { StorageError.wrapping($0) }.map { _ in () })
            }
        )
    }

    /// Runs `call` inside the owner's open session.
    public func perform(
        _ call: StorageCall,
        owner: Int32,
        session id: UInt64,
        reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void
    ) {
        guard let session = sessions.withLock({ $0[SessionKey(owner: owner, id: id)] }) else {
            reply(.failure(StorageError(.transaction, "the transaction is no longer open")))
            return
        }
        session.submit(.call(call, reply))
    }

    /// Ends the owner's session: `commit` or roll back.
    ///
    /// `done` runs after the COMMIT/ROLLBACK.
    public func end(
        owner: Int32,
        session id: UInt64,
        commit: Bool,
        done: @escaping @Sendable (StorageError?) -> Void
    ) {
        guard let session = sessions.withLock({ $0[SessionKey(owner: owner, id: id)] }) else {
            done(StorageError(.transaction, "the transaction is no longer open (it ran past its time limit?)"))
            return
        }
        session.submit(.end(commit: commit, done))
    }

    /// Rolls back every session of a worker that went away.
    public func abandon(owner: Int32) {
        let open = sessions.withLock { sessions in sessions.filter { $0.key.owner == owner }.map(\.value) }
        for session in open { session.abort() }
    }
}

/// One open `fazt.storage.transaction`: calls queued by the worker, served on the writer thread.
final class StorageSession: @unchecked Sendable {
    // Safe: `items`, `aborted` and `ending` are guarded by `condition`.
    enum Item {
        case call(StorageCall, @Sendable (Result<StorageResult, StorageError>) -> Void)
        case end(commit: Bool, @Sendable (StorageError?) -> Void)
    }

    private struct RolledBack: Error {}

    private let condition = NSCondition()
    private var items: [Item] = []
    private var aborted = false
    private var ending: (@Sendable (StorageError?) -> Void)?
    private var rollbackRequested = false
    private let deadline: UInt64

    init(deadline: UInt64) {
        self.deadline = deadline
    }

    func submit(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    func abort() {
        condition.lock()
        aborted = true
        condition.signal()
        condition.unlock()
    }

    /// Serves calls until the session ends; throws (rolling back) unless it ends with a commit.
    func serve(_ execute: (StorageCall) throws -> StorageResult) throws {
        while true {
            condition.lock()
            while items.isEmpty && !aborted {
                let now = DispatchTime.now().uptimeNanoseconds
                guard now < deadline else { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadline - now) / 1e9))
            }
            if items.isEmpty {
                condition.unlock()
                throw StorageError(.transaction, "the transaction was abandoned or ran past its time limit")
            }
            let item = items.removeFirst()
            condition.unlock()
            switch item {
            case .call(let call, let reply):
                reply(Result { try execute(call) }.mapError { StorageError.wrapping($0) })
            case .end(let commit, let done):
                condition.lock()
                ending = done
                rollbackRequested = !commit
                condition.unlock()
                if commit { return }
                throw RolledBack()
            }
        }
    }

    /// After COMMIT or ROLLBACK: tells whoever asked to end it.
    func finished(_ result: Result<Void, StorageError>) {
        condition.lock()
        let done = ending
        let rolledBack = rollbackRequested
        condition.unlock()
        guard let done else { return }
        switch result {
        case .success: done(nil)
        // A requested rollback is a success for the caller.
        case .failure(let error): done(rolledBack ? nil : error)
        }
    }
}

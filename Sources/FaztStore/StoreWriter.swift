import Foundation
import Synchronization

/// The thread that owns the only write connection and commits queued closures in groups.
///
/// A group commits with `synchronous=NORMAL` (the WAL is written, not synced); `WALSyncer` then
/// syncs it on its own thread and only then acknowledges the group's callers. Callers that only
/// need the change *applied* (visible to readers) hear back right after `COMMIT`.
final class StoreWriter: @unchecked Sendable {
    // Safe: `queue`, `stopped` and `finished` are guarded by `condition`; `connection` is touched only
    // by the writer thread once started (and by `stop` after that thread has exited).
    struct Job {
        enum Kind {
            /// Runs inside the next group transaction, in a savepoint of its own.
            case grouped
            /// Runs outside any transaction (checkpoints, cache release).
            case raw
            /// Runs alone in a transaction of its own, which it may hold open while it waits for more
            /// work (app storage transactions). Throwing rolls it back.
            case exclusive
        }

        let kind: Kind
        /// Grouped jobs run in a savepoint of their own unless they make at most one change
        /// (SQLite undoes a failed statement by itself).
        var singleStatement = false
        let run: (Connection) throws -> Void
        /// After `COMMIT` (or the failure), with the commit's sequence number.
        var applied: ((Error?, UInt64) -> Void)?
        /// Once the commit is durable (or the failure).
        var durable: ((Error?) -> Void)?
    }

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopped = false
    private var finished = false
    private let connection: Connection
    private let maxBatch: Int
    /// Group commits so far and their total time from `BEGIN` to `COMMIT`, in nanoseconds.
    private let commits = Atomic<Int>(0)
    private let commitNanos = Atomic<UInt64>(0)
    let syncer: WALSyncer

    init(connection: Connection, maxBatch: Int, syncer: WALSyncer) {
        self.connection = connection
        self.maxBatch = maxBatch
        self.syncer = syncer
        // The thread keeps the writer alive until `stop` lets it finish.
        let thread = Thread { self.loop() }
        thread.name = "fazt-writer"
        thread.start()
    }

    /// Queues `body`; `completion` gets its result once the transaction holding it is durable.
    func enqueue<T>(_ body: @escaping (Connection) throws -> T, completion: @escaping (Result<T, Error>) -> Void) {
        let box = ResultSlot<T>()
        submit(
            Job(
                kind: .grouped,
                run: { box.value = try body($0) },
                durable: { error in
                    if let error {
                        completion(.failure(error))
                    } else if let value = box.value {
                        completion(.success(value))
                    }
                }
            )
        )
    }

    /// Queues `body`; `applied` gets its result right after its transaction commits, with the
    /// commit's sequence number (pass it to `WALSyncer.whenDurable` before acknowledging anyone).
    func apply<T>(
        _ kind: Job.Kind = .grouped,
        singleStatement: Bool = false,
        _ body: @escaping (Connection) throws -> T,
        applied: @escaping (Result<T, Error>, UInt64) -> Void
    ) {
        let box = ResultSlot<T>()
        submit(
            Job(
                kind: kind,
                singleStatement: singleStatement,
                run: { box.value = try body($0) },
                applied: { error, seq in
                    if let error {
                        applied(.failure(error), seq)
                    } else if let value = box.value {
                        applied(.success(value), seq)
                    }
                }
            )
        )
    }

    /// Runs a WAL checkpoint (TRUNCATE) on the writer connection and waits for it.
    func checkpoint() throws {
        let done = BlockingResult<Void>()
        submit(
            Job(
                kind: .raw,
                run: { try $0.execute("PRAGMA wal_checkpoint(TRUNCATE)") },
                durable: { done.set($0.map { .failure($0) } ?? .success(())) }
            )
        )
        try done.wait()
    }

    /// Frees the writer connection's page cache (between transactions).
    func releaseMemory() {
        submit(Job(kind: .raw, run: { $0.releaseMemory() }))
    }

    /// Jobs queued and not yet started.
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    private func submit(_ job: Job) {
        condition.lock()
        if stopped {
            condition.unlock()
            let error = StoreError(code: .closed, message: "the store is closed")
            job.applied?(error, 0)
            job.durable?(error)
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Drains the queue, then stops the thread; later writes fail with `.closed`.
    ///
    /// Called on the writer thread itself (the last reference to the store dropped inside a
    /// job), it only asks the thread to finish: waiting there would wait forever.
    func stop() {
        condition.lock()
        guard !stopped || !finished else {
            condition.unlock()
            return
        }
        stopped = true
        condition.broadcast()
        if loopThread.isCurrent {
            condition.unlock()
            return
        }
        while !finished { condition.wait() }
        condition.unlock()
        syncer.stop()
    }

    private var loopThread = LoopThread()

    private func loop() {
        condition.lock()
        loopThread.enter()
        condition.unlock()
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty && stopped {
                finished = true
                condition.broadcast()
                condition.unlock()
                syncer.stop()
                return
            }
            let count = min(queue.count, maxBatch)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [Job]) {
        var grouped: [Job] = []
        for job in batch {
            switch job.kind {
            case .grouped:
                grouped.append(job)
            case .raw:
                runGroup(grouped)
                grouped.removeAll()
                let error = Result(catching: { try job.run(connection) }).failure
                job.applied?(error, syncer.latest)
                job.durable?(error)
            case .exclusive:
                runGroup(grouped)
                grouped.removeAll()
                runExclusive(job)
            }
        }
        runGroup(grouped)
    }

    private func runExclusive(_ job: Job) {
        do {
            try connection.transaction {
                try job.run(connection)
                try connection.journal?.flush(connection)
            }
        } catch {
            connection.journal?.discard()
            job.applied?(error, syncer.latest)
            job.durable?(error)
            return
        }
        acknowledge([job], errors: [nil], seq: syncer.didCommit())
    }

    /// Group commits so far and their total duration (for metrics).
    var commitStats: (count: Int, seconds: Double) {
        (commits.load(ordering: .relaxed), Double(commitNanos.load(ordering: .relaxed)) / 1e9)
    }

    private func runGroup(_ jobs: [Job]) {
        guard !jobs.isEmpty else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            try connection.run("BEGIN IMMEDIATE")
        } catch {
            fail(jobs, error)
            return
        }
        var errors: [Error?] = []
        errors.reserveCapacity(jobs.count)
        for job in jobs {
            do {
                if job.singleStatement {
                    try job.run(connection)
                } else {
                    try connection.savepoint { try job.run(connection) }
                }
                errors.append(nil)
            } catch {
                errors.append(error)
            }
        }
        do {
            // The journal rows go in the same transaction as the changes they record.
            try connection.journal?.flush(connection)
            try connection.run("COMMIT")
        } catch {
            connection.journal?.discard()
            _ = try? connection.run("ROLLBACK")
            fail(jobs, error)
            return
        }
        commitNanos.add(DispatchTime.now().uptimeNanoseconds &- started, ordering: .relaxed)
        commits.add(1, ordering: .relaxed)
        acknowledge(jobs, errors: errors, seq: syncer.didCommit())
    }

    private func acknowledge(_ jobs: [Job], errors: [Error?], seq: UInt64) {
        var durable: [(Job, Error?)] = []
        for (job, error) in zip(jobs, errors) {
            job.applied?(error, seq)
            if job.durable != nil { durable.append((job, error)) }
        }
        guard !durable.isEmpty else { return }
        syncer.whenDurable(seq) {
            for (job, error) in durable { job.durable?(error) }
        }
    }

    private func fail(_ jobs: [Job], _ error: Error) {
        for job in jobs {
            job.applied?(error, syncer.latest)
            job.durable?(error)
        }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Holds one closure's result between running it and acknowledging it (writer thread only).
private final class ResultSlot<T>: @unchecked Sendable {
    // Safe: written and read only on the writer thread.
    var value: T?
}

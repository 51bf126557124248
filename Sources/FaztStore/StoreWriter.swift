import Foundation

/// The thread that owns the only write connection and commits queued closures in groups.
final class StoreWriter: @unchecked Sendable {
    // Safe: `queue` and `stopped` are guarded by `condition`; `connection` is touched only by the
    // writer thread once started (and by `stop` after that thread has exited).
    private struct Job {
        let run: (Connection) throws -> Void
        let finish: (Error?) -> Void
        /// Runs outside any transaction (checkpoints).
        let raw: Bool
    }

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopped = false
    private var finished = false
    private let connection: Connection
    private let maxBatch: Int
    private var thread: Thread?

    init(connection: Connection, maxBatch: Int) {
        self.connection = connection
        self.maxBatch = maxBatch
        // The thread keeps the writer alive until `stop` lets it finish.
        let thread = Thread { self.loop() }
        thread.name = "fazt-writer"
        self.thread = thread
        thread.start()
    }

    /// Queues `body`; `completion` gets its result after the transaction holding it commits.
    func enqueue<T>(_ body: @escaping (Connection) throws -> T, completion: @escaping (Result<T, Error>) -> Void) {
        let box = ResultSlot<T>()
        let job = Job(
            run: { box.value = try body($0) },
            finish: { error in
                if let error {
                    completion(.failure(error))
                } else if let value = box.value {
                    completion(.success(value))
                }
            },
            raw: false
        )
        submit(job)
    }

    /// Runs a WAL checkpoint (TRUNCATE) on the writer connection and waits for it.
    func checkpoint() throws {
        let done = BlockingResult<Void>()
        submit(
            Job(
                run: { try $0.execute("PRAGMA wal_checkpoint(TRUNCATE)") },
                finish: { done.set($0.map { .failure($0) } ?? .success(())) },
                raw: true
            )
        )
        try done.wait()
    }

    /// Frees the writer connection's page cache (between transactions).
    func releaseMemory() {
        submit(Job(run: { $0.releaseMemory() }, finish: { _ in }, raw: true))
    }

    private func submit(_ job: Job) {
        condition.lock()
        if stopped {
            condition.unlock()
            job.finish(StoreError(code: .closed, message: "the store is closed"))
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Drains the queue, then stops the thread; later writes fail with `.closed`.
    func stop() {
        condition.lock()
        guard !stopped || !finished else {
            condition.unlock()
            return
        }
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty && stopped {
                finished = true
                condition.broadcast()
                condition.unlock()
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
            if job.raw {
                runGroup(grouped)
                grouped.removeAll()
                do {
                    try job.run(connection)
                    job.finish(nil)
                } catch {
                    job.finish(error)
                }
            } else {
                grouped.append(job)
            }
        }
        runGroup(grouped)
    }

    private func runGroup(_ jobs: [Job]) {
        guard !jobs.isEmpty else { return }
        do {
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            for job in jobs { job.finish(error) }
            return
        }
        var errors: [Error?] = []
        errors.reserveCapacity(jobs.count)
        for job in jobs {
            do {
                try connection.savepoint { try job.run(connection) }
                errors.append(nil)
            } catch {
                errors.append(error)
            }
        }
        do {
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            for job in jobs { job.finish(error) }
            return
        }
        for (job, error) in zip(jobs, errors) { job.finish(error) }
    }
}

/// Holds one closure's result between running it and acknowledging it (writer thread only).
private final class ResultSlot<T>: @unchecked Sendable {
    // Safe: written and read only on the writer thread.
    var value: T?
}

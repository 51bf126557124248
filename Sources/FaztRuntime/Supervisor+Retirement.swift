import Foundation
import NIOPosix

/// How workers leave: replaced over their memory budget, retired all at once (an app deleted),
/// timed out or idle (the watchdog's patrol), stopped at shutdown.
extension Supervisor {
    /// A worker over its memory budget asked to be replaced: it gets no new work, and leaves as
    /// soon as it has none (a new worker starts for whoever waits, or on demand).
    func recycle(_ worker: WorkerHandle) {
        logger.info(
            "replacing a JavaScript worker over its memory budget",
            metadata: ["worker.pid": "\(worker.pid)", "memory.mb": "\(worker.ownResidentBytes >> 20)"]
        )
        // Only from the idle list: a worker just handed to a waiter has nothing queued yet either.
        // A busy one goes when `release` sees it draining.
        retire(worker, fromIdleListOnly: true)
    }

    /// Replaces every worker once its current work is done (idle ones now).
    ///
    /// Their cached JavaScript contexts go with them. Called when an app is deleted, since a
    /// re-created app numbers its versions from 1 again and a context cached as `app@1` would
    /// otherwise run the old code.
    public func retireAll() {
        let workers = state.withLock { $0.workers }
        for worker in workers {
            worker.drain()
            retire(worker, fromIdleListOnly: true)
        }
    }

    /// Retires a draining worker that has nothing queued, and starts a replacement for a waiter.
    func retire(_ worker: WorkerHandle, fromIdleListOnly: Bool) {
        let (retire, handoff) = state.withLock { state in
            guard worker.queued == 0, state.workers.contains(where: { $0 === worker }),
                !fromIdleListOnly || state.idle.contains(where: { $0 === worker })
            else {
                return (false, Handoff?.none)
            }
            state.workers.removeAll { $0 === worker }
            state.idle.removeAll { $0 === worker }
            return (true, replacement(&state))
        }
        // Closing its input lets it finish and exit; `workerExited` then finds it already gone.
        if retire { worker.retire() }
        if let handoff { startWorker(background: handoff.background, for: handoff.waiter) }
    }

    /// One watchdog pass (deadlines, memory, idle exits); returns true while workers exist.
    func patrol() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        let (workers, idle) = state.withLock { ($0.workers, $0.idle) }
        for worker in workers {
            if let deadline = worker.busyDeadline {
                if now > deadline {
                    worker.kill(reason: .timeout, message: "invocation passed its deadline")
                } else {
                    let limit = worker.busyMemoryLimit ?? configuration.workerMemoryLimit
                    if worker.ownResidentBytes > limit {
                        worker.kill(reason: .memory, message: "memory passed \(limit >> 20) MB")
                    }
                }
            }
        }
        let idleLimit = UInt64(configuration.workerIdleSeconds * 1e9)
        // Read once: a reply may land (and move `idleSince` past `now`) between two reads, and
        // `now - idleSince` would then trap on underflow (seen once under load).
        for worker in idle {
            let since = worker.idleSince
            guard now > since, now - since > idleLimit else { continue }
            let retired = state.withLock { state -> Bool in
                guard let index = state.idle.firstIndex(where: { $0 === worker }) else { return false }
                state.idle.remove(at: index)
                return true
            }
            if retired { worker.retire() }
        }
        return !workers.isEmpty
    }

    /// Stops every worker (server shutdown).
    ///
    /// Off the event loops it also waits (≤ 5 s) for launches already under way to give up or
    /// finish, so that none reaches for an event loop its owner shuts down next (a launch binds the
    /// new worker's pipes to one).
    public func shutdown() {
        let (workers, waiters) = state.withLock { state in
            state.closed = true
            let result = (state.workers, state.waiters.map(\.take) + state.backgroundWaiters)
            state.waiters.removeAll()
            state.backgroundWaiters.removeAll()
            return result
        }
        for waiter in waiters { waiter(nil) }
        for worker in workers { worker.kill(reason: .unavailable, message: "server shutdown") }
        guard MultiThreadedEventLoopGroup.currentEventLoop == nil else { return }
        let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
        while state.withLock({ $0.starting }) > 0, DispatchTime.now().uptimeNanoseconds < deadline {
            usleep(1000)
        }
    }
}

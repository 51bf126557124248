import FaztRuntime
import FaztScheduler
import FaztStorage
import FaztStore
import Logging
import NIOPosix
import ServiceLifecycle

// Thin `Service` adapters: each waits for graceful shutdown (or cancellation) and then stops
// its part. `FaztDaemon` lists them so that the group's reverse order is the shutdown order.

/// The database: on shutdown checkpoints the WAL and closes the writer, syncer and readers (last).
struct StoreLifecycle: Service {
    let store: Store
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try store.checkpoint()
        } catch {
            logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
        }
        store.close()
        logger.debug("store closed")
    }
}

/// The event loops and the blocking-work thread pool: stopped once nothing needs them.
struct EventLoopLifecycle: Service {
    let group: MultiThreadedEventLoopGroup
    let pool: NIOThreadPool
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        try? await group.shutdownGracefully()
        try? await pool.shutdownGracefully()
        logger.debug("event loops stopped")
    }
}

/// App storage writes: on shutdown waits until every write queued so far is applied and durable,
/// so responses held for durability are released while the event loops still run.
struct StorageLifecycle: Service {
    let storage: StorageService
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let storage = self.storage
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            storage.barrier { storage.whenAllDurable { continuation.resume() } }
        }
        logger.debug("storage settled")
    }
}

/// The JavaScript workers: on shutdown kills them and waits (up to 2 s) for their processes to go.
struct SupervisorLifecycle: Service {
    let supervisor: Supervisor
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        supervisor.shutdown()
        let supervisor = self.supervisor
        await waitForCallback(timeout: .seconds(2)) { supervisor.whenAllWorkersGone($0) }
        logger.debug("workers stopped", metadata: ["workers": "\(supervisor.workerCount)"])
    }
}

/// Timers, cron and job delivery: on shutdown stops firing and lets running jobs finish within
/// `grace`; jobs not done by then stay `running` and run again at the next start.
struct SchedulerLifecycle: Service {
    let scheduler: Scheduler
    let graceSeconds: Double
    let pool: NIOThreadPool
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let scheduler = self.scheduler
        let grace = graceSeconds
        // `stop` blocks its thread while jobs finish: on the pool, not on a cooperative thread.
        try? await pool.runIfActive { scheduler.stop(grace: grace) }
        logger.debug("scheduler stopped", metadata: ["jobs.running": "\(scheduler.runningCount)"])
    }
}

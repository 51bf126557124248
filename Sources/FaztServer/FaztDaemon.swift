import FaztStore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The composition root: builds every long-running part and runs each as a `Service` in one
/// `ServiceGroup`, listed so that the group's reverse order is the shutdown order.
///
/// Start order (shutdown runs it backwards, each step finishing before the next begins):
/// store → event loops and thread pool → app storage writes → workers → scheduler → HTTP server.
/// So on SIGTERM/SIGINT the HTTP server stops accepting and drains first, then running jobs
/// finish, then the workers go, then queued writes become durable, then the event loops stop,
/// and the WAL is checkpointed and the database closed last. See docs/architecture.md.
public struct FaztDaemon: Sendable {
    private let configuration: ServerConfiguration
    private let store: Store
    private let logger: Logger
    private let ready: @Sendable (Int, Int?) -> Void
    private var dev: (@Sendable (DevSession) -> Void)?

    /// Builds a daemon whose `ready` is called once with the bound port when it accepts connections.
    ///
    /// The daemon owns `store` from here on: it checkpoints and closes it when it stops.
    public init(
        configuration: ServerConfiguration,
        store: Store,
        logger: Logger,
        ready: @escaping @Sendable (Int) -> Void
    ) {
        self.init(configuration: configuration, store: store, logger: logger) { port, _ in ready(port) }
    }

    /// Like `init(configuration:store:logger:ready:)`; `listening` also gets the port of the
    /// `--metrics-listen` listener (nil without one).
    public init(
        configuration: ServerConfiguration,
        store: Store,
        logger: Logger,
        listening: @escaping @Sendable (_ port: Int, _ metricsPort: Int?) -> Void
    ) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.ready = listening
    }

    /// Like `init(configuration:store:logger:ready:)` for `fazt dev`: once listening, `dev` gets the
    /// session that syncs the app's folder and runs its jobs (set `configuration.dev` too).
    public init(
        configuration: ServerConfiguration,
        store: Store,
        logger: Logger,
        dev: @escaping @Sendable (DevSession) -> Void
    ) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.ready = { _, _ in }
        self.dev = dev
    }

    /// Runs until SIGTERM or SIGINT (or a part fails), then stops every part in order.
    public func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let pool = NIOThreadPool(numberOfThreads: max(2, System.coreCount))
        pool.start()
        let loops = EventLoopResources(group: group, store: store, configuration: configuration, logger: logger)
        let services: ServerServices
        do {
            services = try ServerServices(
                configuration: configuration,
                store: store,
                threadPool: pool,
                logger: logger,
                trimmer: loops.trimmer,
                eventLoopGroup: group
            )
        } catch {
            try? await group.shutdownGracefully()
            try? await pool.shutdownGracefully()
            store.close()
            throw error
        }
        // Recovery of jobs a crash left running happens before anything listens.
        do {
            try services.scheduler.start()
        } catch {
            logger.error("cannot start the scheduler", metadata: ["error": "\(error)"])
        }
        let grace = Double(configuration.shutdownGrace.nanoseconds) / 1e9
        var parts: [(any Service, String)] = [
            (StoreLifecycle(store: store, logger: logger), "store"),
            (EventLoopLifecycle(group: group, pool: pool, logger: logger), "event-loops"),
            (StorageLifecycle(storage: services.storage, logger: logger), "storage"),
            (SupervisorLifecycle(supervisor: services.supervisor, logger: logger), "workers"),
            (
                SchedulerLifecycle(scheduler: services.scheduler, graceSeconds: grace, pool: pool, logger: logger),
                "scheduler"
            ),
            (FaztServer(services: services, loops: loops, ready: listening(services)), "http"),
        ]
        if configuration.backup.everyMs != nil {
            // After the store (a running backup finishes before the store closes), before the rest.
            let backups = BackupService(backups: services.backups, settings: configuration.backup, logger: logger)
            parts.insert((backups, "backups"), at: 2)
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: parts.map { service, name in
                    // Any part ending (or failing) stops the others in order, never by cancellation.
                    .init(
                        service: service,
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup,
                        serviceName: name
                    )
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await serviceGroup.run()
        logger.info("stopped")
    }

    /// What runs once the server listens: the ready callback, or the dev session's start.
    private func listening(_ services: ServerServices) -> @Sendable (Int, Int?) -> Void {
        guard let dev else { return ready }
        return { port, _ in dev(DevSession(services: services, port: port)) }
    }
}

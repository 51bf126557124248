import FaztScheduler
import FaztStorage
import FaztStore
import FaztVFS
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The HTTP server: binds, prints the ready line, serves until graceful shutdown, then drains.
public final class FaztServer: Service {
    private let configuration: ServerConfiguration
    private let store: Store
    private let logger: Logger
    private let ready: @Sendable (Int) -> Void

    /// `ready` is called once with the bound port when the server accepts connections.
    public init(
        configuration: ServerConfiguration,
        store: Store,
        logger: Logger,
        ready: @escaping @Sendable (Int) -> Void
    ) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let pool = NIOThreadPool(numberOfThreads: max(2, System.coreCount))
        pool.start()
        var caches: [ObjectIdentifier: (DateCache, MemoryTrimmer.Activity)] = [:]
        for loop in group.makeIterator() {
            caches[ObjectIdentifier(loop)] = (DateCache(), MemoryTrimmer.Activity())
        }
        let perLoop = caches
        let trimmer = MemoryTrimmer(
            store: store,
            activities: perLoop.values.map(\.1),
            idleAfter: configuration.trimAfterIdle,
            logger: logger
        )
        let services = try ServerServices(
            configuration: configuration,
            store: store,
            threadPool: pool,
            logger: logger,
            trimmer: trimmer
        )
        let registry = ConnectionRegistry()
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maxHeaderBytes
        limits.maxHeaderFieldSize = configuration.maxHeaderBytes
        let decoderLimits = limits
        let configuration = self.configuration

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    let address = channel.remoteAddress?.ipAddress ?? "unknown"
                    guard services.limiter.acquire(address) else {
                        try operations.addHandler(TooManyConnectionsHandler())
                        return
                    }
                    channel.closeFuture.whenComplete { _ in services.limiter.release(address) }
                    let connectionGuard = ConnectionGuard(configuration: configuration)
                    try operations.addHandler(connectionGuard)
                    try operations.addHandler(
                        ByteToMessageHandler(
                            HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: decoderLimits)
                        )
                    )
                    guard let (dateCache, activity) = perLoop[ObjectIdentifier(channel.eventLoop)] else {
                        preconditionFailure("every event loop of the group has a date cache")
                    }
                    try operations.addHandler(
                        HTTPHandler(
                            services: services,
                            connectionGuard: connectionGuard,
                            dateCache: dateCache,
                            activity: activity
                        )
                    )
                    registry.add(channel, connectionGuard)
                }
            }

        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            try? await pool.shutdownGracefully()
            throw error
        }
        let port = channel.localAddress?.port ?? configuration.port
        services.boundPort = port
        logger.info(
            "listening",
            metadata: [
                "http.host": "\(configuration.host)", "http.port": "\(port)", "fazt.domain": "\(configuration.domain)",
            ]
        )
        do {
            try services.scheduler.start()
        } catch {
            logger.error("cannot start the scheduler", metadata: ["error": "\(error)"])
        }
        ready(port)
        // Expired KV keys are invisible at once; this deletes them in bounded batches.
        let sweep = group.next().scheduleRepeatedTask(initialDelay: .seconds(30), delay: .seconds(60)) { _ in
            services.store.apply(
                { try StorageAdmin.sweepExpired($0, now: StorageExecutor.wallClock()) },
                applied: { _, _ in }
            )
            let history = configuration.scheduler
            services.store.apply(
                {
                    let now = StorageExecutor.wallClock()
                    _ = try RunLog.trim($0, maxAgeMs: history.runsMaxAgeMs, now: now)
                    _ = try EventBus.trim($0, maxAgeMs: history.eventsMaxAgeMs, now: now)
                },
                applied: { _, _ in }
            )
        }
        let trimLoop = group.next()
        let trimCheck = trimLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(2)) { _ in
            // Only a few atomic loads on the loop; the blocking trim itself runs on the pool.
            guard trimmer.shouldTrim() else { return }
            _ = pool.runIfActive(eventLoop: trimLoop) { trimmer.trimIfIdle() }
        }

        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }

        trimCheck.cancel()
        logger.info("draining connections", metadata: ["connections": "\(registry.count)"])
        registry.drainAll()
        let deadline = ContinuousClock.now + .nanoseconds(configuration.shutdownGrace.nanoseconds)
        while registry.count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        registry.closeAll()
        sweep.cancel()
        // Running jobs finish first (their workers are still there); jobs not done by then stay
        // `running` and run again at the next start.
        services.scheduler.stop(grace: Double(configuration.shutdownGrace.nanoseconds) / 1e9)
        logger.debug("scheduler stopped", metadata: ["jobs.running": "\(services.scheduler.runningCount)"])
        services.supervisor.shutdown()
        // Let the last answers land while the event loops still run: worker reader threads finish
        // once their processes are gone, and responses held for durability are released once the
        // writes queued so far are applied and synced.
        let workersGone = ContinuousClock.now + .seconds(2)
        while services.supervisor.workerCount > 0 && ContinuousClock.now < workersGone {
            try? await Task.sleep(for: .milliseconds(10))
        }
        logger.debug("workers stopped", metadata: ["workers": "\(services.supervisor.workerCount)"])
        let storage = services.storage
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            storage.barrier { storage.whenAllDurable { continuation.resume() } }
        }
        logger.debug("storage settled")
        try? await group.shutdownGracefully()
        logger.debug("event loops stopped")
        try? await pool.shutdownGracefully()
        logger.info("stopped")
    }
}

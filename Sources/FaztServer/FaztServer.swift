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

/// Per-event-loop caches and the idle memory trimmer that watches them.
struct EventLoopResources: Sendable {
    let group: MultiThreadedEventLoopGroup
    let perLoop: [ObjectIdentifier: (DateCache, MemoryTrimmer.Activity)]
    let trimmer: MemoryTrimmer

    init(group: MultiThreadedEventLoopGroup, store: Store, configuration: ServerConfiguration, logger: Logger) {
        var caches: [ObjectIdentifier: (DateCache, MemoryTrimmer.Activity)] = [:]
        for loop in group.makeIterator() {
            caches[ObjectIdentifier(loop)] = (DateCache(), MemoryTrimmer.Activity())
        }
        self.group = group
        self.perLoop = caches
        self.trimmer = MemoryTrimmer(
            store: store,
            activities: caches.values.map(\.1),
            idleAfter: configuration.trimAfterIdle,
            logger: logger
        )
    }
}

/// The HTTP server: binds, prints the ready line, serves until graceful shutdown, then drains.
final class FaztServer: Service {
    private let services: ServerServices
    private let loops: EventLoopResources
    private let ready: @Sendable (Int) -> Void

    /// `ready` is called once with the bound port when the server accepts connections.
    init(services: ServerServices, loops: EventLoopResources, ready: @escaping @Sendable (Int) -> Void) {
        self.services = services
        self.loops = loops
        self.ready = ready
    }

    func run() async throws {
        let services = self.services
        let responder = FaztResponder(services: services)
        let configuration = services.configuration
        let logger = services.logger
        let group = loops.group
        let pool = services.threadPool
        let perLoop = loops.perLoop
        let trimmer = loops.trimmer
        let registry = ConnectionRegistry()
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maxHeaderBytes
        limits.maxHeaderFieldSize = configuration.maxHeaderBytes
        let decoderLimits = limits

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Each connection keeps its last read buffer for reuse: start it at 512 bytes (requests
            // are small; it grows after a full read) so an idle connection or WebSocket holds 512
            // bytes rather than NIO's default 2 KB.
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    let address = channel.remoteAddress?.ipAddress ?? "unknown"
                    guard services.limiter.acquire(address) else {
                        try operations.addHandler(TooManyConnectionsHandler())
                        return
                    }
                    // The connection's slot and registry entry go when its guard leaves the
                    // pipeline: at close, or when a WebSocket takes the connection over (it counts
                    // against the socket limits and the realtime hub tracks it instead).
                    let key = ObjectIdentifier(channel)
                    let connectionGuard = ConnectionGuard(configuration: configuration) {
                        registry.remove(key)
                        services.limiter.release(address)
                    }
                    registry.add(channel, connectionGuard)
                    do {
                        try operations.addHandler(connectionGuard)
                    } catch {
                        registry.remove(key)
                        services.limiter.release(address)
                        throw error
                    }
                    // Bytes after an upgrade request belong to the WebSocket handlers that replace it.
                    try operations.addHandler(
                        ByteToMessageHandler(
                            HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes, limitConfiguration: decoderLimits)
                        ),
                        name: HTTPHandler.decoderName
                    )
                    guard let (dateCache, activity) = perLoop[ObjectIdentifier(channel.eventLoop)] else {
                        preconditionFailure("every event loop of the group has a date cache")
                    }
                    try operations.addHandler(
                        HTTPHandler(
                            responder: responder,
                            connectionGuard: connectionGuard,
                            dateCache: dateCache,
                            activity: activity
                        )
                    )
                }
            }

        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        let port = channel.localAddress?.port ?? configuration.port
        services.boundPort = port
        logger.info(
            "listening",
            metadata: [
                "http.host": "\(configuration.host)", "http.port": "\(port)", "fazt.domain": "\(configuration.domain)",
            ]
        )
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
                    _ = try ChangeJournal.prune(
                        $0,
                        before: now - Int64(configuration.journalMaxAgeDays) * 86_400_000,
                        maxBytes: configuration.journalMaxBytes
                    )
                },
                applied: { _, _ in }
            )
            services.realtime.hub.prune(now: RealtimeServices.nowMs())
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
        services.realtime.hub.closeAll(reason: "the server is shutting down")
        logger.info("draining connections", metadata: ["connections": "\(registry.count)"])
        registry.drainAll()
        // HTTP connections finish their requests; sockets answer the close frame (or time out).
        await waitForCallback(timeout: .nanoseconds(configuration.shutdownGrace.nanoseconds)) { done in
            registry.whenEmpty { services.realtime.hub.whenNoSockets(done) }
        }
        registry.closeAll()
        sweep.cancel()
        logger.debug("connections closed")
    }
}

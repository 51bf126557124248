import FaztScheduler
import FaztStorage
import FaztStore
import FaztTLS
import FaztVFS
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// Per-event-loop caches and request metrics, and the idle memory trimmer that watches them.
struct EventLoopResources: Sendable {
    /// What the connections of one event loop share.
    struct PerLoop: Sendable {
        let dateCache: DateCache
        let activity: MemoryTrimmer.Activity
        let metrics: RequestMetrics
    }

    let group: MultiThreadedEventLoopGroup
    let perLoop: [ObjectIdentifier: PerLoop]
    let trimmer: MemoryTrimmer

    init(group: MultiThreadedEventLoopGroup, store: Store, configuration: ServerConfiguration, logger: Logger) {
        var resources: [ObjectIdentifier: PerLoop] = [:]
        for loop in group.makeIterator() {
            resources[ObjectIdentifier(loop)] = PerLoop(
                dateCache: DateCache(),
                activity: MemoryTrimmer.Activity(),
                metrics: RequestMetrics()
            )
        }
        self.group = group
        self.perLoop = resources
        self.trimmer = MemoryTrimmer(
            store: store,
            activities: resources.values.map(\.activity),
            idleAfter: configuration.trimAfterIdle,
            logger: logger
        )
    }

    /// Each loop with its request metrics (for `MetricsRegistry`).
    var metricsByLoop: [(any EventLoop, RequestMetrics)] {
        group.makeIterator().compactMap { loop in perLoop[ObjectIdentifier(loop)].map { (loop, $0.metrics) } }
    }
}

/// The HTTP server: binds, prints the ready line, serves until graceful shutdown, then drains.
final class FaztServer: Service {
    private let services: ServerServices
    private let loops: EventLoopResources
    private let ready: @Sendable (Int, Int?) -> Void

    /// `ready` is called once with the bound port (and the metrics listener's, when there is one)
    /// when the server accepts connections.
    init(services: ServerServices, loops: EventLoopResources, ready: @escaping @Sendable (Int, Int?) -> Void) {
        self.services = services
        self.loops = loops
        self.ready = ready
    }

    func run() async throws {
        let services = self.services
        let configuration = services.configuration
        let logger = services.logger
        let group = loops.group
        let pool = services.threadPool
        let trimmer = loops.trimmer
        let registry = ConnectionRegistry()
        services.metrics.attach(loops.metricsByLoop)
        let responder = FaztResponder(services: services)
        let plainResponder: any HTTPResponder =
            services.tls.map { PlainHTTPResponder(services: services, challenges: $0.challenges) } ?? responder
        let bootstrap = makeBootstrap(responder: plainResponder, registry: registry)

        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        let port = channel.localAddress?.port ?? configuration.port
        services.boundPort = port
        logger.info(
            "listening",
            metadata: [
                "http.host": "\(configuration.host)", "http.port": "\(port)", "fazt.domain": "\(configuration.domain)",
            ]
        )
        let httpsChannel = try await bindHTTPS(responder: responder, registry: registry)
        let metricsChannel = try await bindMetricsListener(registry: registry)
        services.tls?.start()
        ready(port, metricsChannel == nil ? nil : services.metricsPort)
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
        // Requests per minute by app for the dashboard's charts: a sample now, then every minute.
        let trafficSample = group.next().scheduleRepeatedTask(initialDelay: .zero, delay: .seconds(60)) { _ in
            Task {
                guard let totals = try? await services.metrics.requestTotals() else { return }
                services.traffic.sample(totals, at: StorageExecutor.wallClock())
            }
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
            // `readyz` fails from now on; with --shutdown-delay the listener keeps accepting that
            // long, so that load balancers see the 503 and route new traffic elsewhere first.
            services.isDraining = true
            configuration.onDraining()
            let delay = configuration.shutdownDelay
            services.tls?.stop()
            if delay.nanoseconds > 0 {
                logger.info("draining: readyz answers 503", metadata: ["delay.ms": "\(delay.nanoseconds / 1_000_000)"])
                channel.eventLoop.scheduleTask(in: delay) {
                    channel.close(promise: nil)
                    httpsChannel?.close(promise: nil)
                }
            } else {
                channel.close(promise: nil)
                httpsChannel?.close(promise: nil)
            }
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
        try? await metricsChannel?.close()
        sweep.cancel()
        trafficSample.cancel()
        logger.debug("connections closed")
    }

    /// The server bootstrap of one listener: every connection gets its loop's resources, a
    /// connection guard (limits, draining) and an `HTTPHandler` answering through `responder`.
    private func makeBootstrap(
        responder: any HTTPResponder,
        registry: ConnectionRegistry,
        tls: (context: NIOSSLContext, certificates: CertificateManager)? = nil
    ) -> ServerBootstrap {
        let services = self.services
        let configuration = services.configuration
        let perLoop = loops.perLoop
        // FAZT_REQUEST_METRICS=off leaves the request counters out of the hot path: only for
        // measuring what they cost (docs/performance-notes.md).
        let measured = ProcessInfo.processInfo.environment["FAZT_REQUEST_METRICS"] != "off"
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = configuration.maxHeaderBytes
        limits.maxHeaderFieldSize = configuration.maxHeaderBytes
        let decoderLimits = limits
        return ServerBootstrap(group: loops.group)
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
                        if let tls {
                            try operations.addHandler(NIOSSLServerHandler(context: tls.context))
                            try operations.addHandler(TLSHandshakeObserver(certificates: tls.certificates))
                        }
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
                    guard let resources = perLoop[ObjectIdentifier(channel.eventLoop)] else {
                        preconditionFailure("every event loop of the group has its resources")
                    }
                    try operations.addHandler(
                        HTTPHandler(
                            responder: responder,
                            connectionGuard: connectionGuard,
                            dateCache: resources.dateCache,
                            activity: resources.activity,
                            metrics: measured ? resources.metrics : nil,
                            strictTransportSecurity: tls != nil
                        )
                    )
                }
            }
    }

    /// Binds the HTTPS listener when HTTPS is on; its port goes to `services.httpsPort` and the
    /// configuration's `bound` callback.
    private func bindHTTPS(
        responder: FaztResponder,
        registry: ConnectionRegistry
    ) async throws -> (any Channel)? {
        guard let https = services.configuration.https, let certificates = services.tls else { return nil }
        let context = try NIOSSLContext(configuration: certificates.serverConfiguration())
        let bootstrap = makeBootstrap(
            responder: responder,
            registry: registry,
            tls: (context, certificates)
        )
        let channel = try await bootstrap.bind(host: services.configuration.host, port: https.port).get()
        let bound = channel.localAddress?.port ?? https.port
        services.httpsPort = bound
        https.bound(bound)
        services.logger.info("https listening", metadata: ["https.port": "\(bound)"])
        return channel
    }

    /// Binds `--metrics-listen` when it is set: `/metrics`, `/livez`, `/readyz` without credentials.
    private func bindMetricsListener(registry: ConnectionRegistry) async throws -> (any Channel)? {
        guard let address = services.configuration.metricsListen else { return nil }
        let bootstrap = makeBootstrap(responder: MetricsListenerResponder(services: services), registry: registry)
        let channel = try await bootstrap.bind(host: address.host, port: address.port).get()
        let port = channel.localAddress?.port ?? address.port
        services.metricsPort = port
        services.logger.info(
            "metrics listening",
            metadata: ["metrics.host": "\(address.host)", "metrics.port": "\(port)"]
        )
        return channel
    }
}

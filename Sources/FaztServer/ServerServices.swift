import FaztBackup
import FaztKernel
import FaztNet
import FaztRealtime
import FaztRuntime
import FaztScheduler
import FaztStorage
import FaztStore
import FaztTLS
import FaztVFS
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// What every connection handler shares: storage, caches, the thread pool for blocking work.
final class ServerServices: Sendable {
    let configuration: ServerConfiguration
    let store: Store
    let vfs: VFS
    let tokens: Tokens
    /// Every MCP tool call and scoped-token control API write.
    let audit: AuditLog
    /// Irreversible steps agents asked for, waiting for the owner.
    let approvals: Approvals
    /// Calls of apps' public MCP tools, per app and client address.
    let appToolLimits = RateLimiter(perMinute: 60)
    /// `deploy` answers by idempotency key.
    let mcpIdempotency = MCPIdempotency()
    /// The owner's browser sessions on owner-only apps.
    let ownerSessions: OwnerSessions
    /// Owner credentials verified in the last seconds.
    let ownerAccess = OwnerAccessCache()
    /// Dashboard sign-in attempts (per address and for the account).
    let signInLimiter = SignInLimiter()
    /// WebAuthn challenges handed out for passkey registration and sign-in.
    let passkeyChallenges = PasskeyChallenges()
    let catalog: AppCatalog
    /// Each app's egress allowlist: manifest `egress` ∪ owner grants.
    let egressRules: EgressRuleSource
    let blobCache: BlobCache
    let threadPool: NIOThreadPool
    let logger: Logger
    let limiter: ConnectionLimiter
    /// Runs app JavaScript in worker processes.
    let supervisor: Supervisor
    /// Stored app log lines.
    let logs: AppLogs
    /// App storage writes and transactions (the workers' storage calls land here).
    let storage: StorageService
    /// Durable timers and cron (fires jobs into the supervisor).
    let scheduler: Scheduler
    /// Events: persistence and delivery to subscriptions (as scheduler jobs).
    let events: EventBus
    /// Owner secrets, encrypted at rest.
    let secrets: AppSecrets
    /// `fazt.notify`: the owner's inbox and channel deliveries.
    let notifier: Notifier
    /// Failed HTTP invocations into the execution history.
    let failures: FailureRecorder
    /// Inbound webhooks per app, and per app and client address.
    let webhookLimits: (app: RateLimiter, client: RateLimiter)
    /// WebSockets, channels and connection tokens.
    let realtime: RealtimeServices
    /// `fazt.ai`: provider keys, budgets, streams.
    let ai: AIGateway
    /// OAuth providers and connections; apps' `fetch(url, {connection})` gets tokens from it.
    let connections: OAuthConnections
    /// Signs version preview links (`PreviewLink`), derived from the server's secret key.
    let previewKey: [UInt8]
    /// Where upload bodies are spooled (beside `data.db`, on the same file system).
    let temporaryDirectory: String
    /// What `/_fazt/metrics` reports; other parts add their figures with `metrics.register`.
    let metrics = MetricsRegistry()
    /// Requests and errors per minute over the last hour (`GET /traffic`).
    let traffic = TrafficHistory()
    /// Online backups of `data.db` (`/backups`, `--backup-every`).
    let backups: Backups
    /// Certificates of the HTTPS listener (`--https`, `--tls-cert`); nil without HTTPS.
    let tls: CertificateManager?
    private let port = Atomic<Int>(0)
    private let drainingFlag = Atomic<Bool>(false)
    private let metricsPortValue = Atomic<Int>(0)
    private let httpsPortValue = Atomic<Int>(0)
    private let counter = Atomic<Int>(0)

    init(
        configuration: ServerConfiguration,
        store: Store,
        threadPool: NIOThreadPool,
        logger: Logger,
        trimmer: MemoryTrimmer,
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) throws {
        self.configuration = configuration
        self.store = store
        self.vfs = VFS(
            store: store,
            limits: configuration.deployLimits,
            liveVersionChanged: LiveVersionSync.hook(defaultTimeoutMs: configuration.scheduler.defaultTimeoutMs) {
                VFSError(.badManifest, $0)
            },
            versionsPruned: { connection, app, versions in
                // A pruned version's preview (`<app>--v<N>`) goes with it: storage, logs and runs.
                for version in versions {
                    let namespace = "\(app)--v\(version)"
                    try StorageAdmin.deleteAll(connection, app: namespace)
                    for table in ["logs", "runs"] {
                        try connection.run("DELETE FROM \(table) WHERE app = ?", [.text(namespace)])
                    }
                }
            }
        )
        self.tokens = Tokens(store: store)
        self.audit = AuditLog(store: store)
        self.approvals = Approvals(store: store)
        self.ownerSessions = OwnerSessions(store: store)
        self.catalog = AppCatalog(vfs: vfs)
        self.blobCache = BlobCache(budget: configuration.cacheBytes)
        self.threadPool = threadPool
        self.logger = logger
        self.limiter = ConnectionLimiter(limit: configuration.maxConnectionsPerIP)
        self.webhookLimits = (
            RateLimiter(perMinute: configuration.webhookRatePerMinute),
            RateLimiter(perMinute: configuration.webhookRatePerMinutePerIP)
        )
        var runtime = RuntimeConfiguration(executable: configuration.executablePath, dataPath: store.path)
        runtime.invocationTimeoutMs = configuration.invocationTimeoutMs
        runtime.eventLoopGroup = eventLoopGroup
        runtime.workerMemoryLimit = configuration.workerMemoryLimit
        runtime.workerIdleSeconds = configuration.workerIdleSeconds
        runtime.maxWorkers = configuration.maxWorkers
        runtime.egress.allowPrivate = configuration.allowPrivateEgress
        runtime.egress.maxResponseBytes = configuration.egressMaxResponseMB << 20
        runtime.egressLimits = EgressLimits(
            concurrency: configuration.egressConcurrency,
            perMinute: configuration.egressPerMinute
        )
        let egressRules = EgressRuleSource(catalog: catalog, grants: EgressGrants(store: store))
        self.egressRules = egressRules
        runtime.egressRules = { app in egressRules.rules(app: app) }
        let egressLog = EgressLog(store: store)
        runtime.egressRecorder = { record in
            Task { try? await egressLog.append(record) }
        }
        let logs = AppLogs(store: store)
        self.logs = logs
        if let dev = configuration.dev {
            // `fazt dev` also shows the app's console output in the terminal.
            runtime.logSink = { app, level, message in
                logs.append(app: app, level: level, message: message)
                dev.appLog(level, message)
            }
        } else {
            runtime.logSink = { app, level, message in logs.append(app: app, level: level, message: message) }
        }
        runtime.onAllWorkersGone = { trimmer.allowAnotherTrim() }
        runtime.moduleCache = { modules in try await ModuleCache.store(modules, in: store) }
        let storage = StorageService(
            store: store,
            quotaBytes: configuration.storageQuotaBytes,
            maxQueuedWrites: configuration.storageMaxQueuedWrites
        )
        self.storage = storage
        runtime.storage = storage
        self.failures = FailureRecorder(store: store, keep: configuration.scheduler.runsKeep)
        // The scheduler and the supervisor refer to each other (jobs fire into workers; workers'
        // schedule calls land in the scheduler): the box is filled right after both exist.
        let supervisorBox = LateBox<Supervisor>()
        let notifierBox = LateBox<Notifier>()
        let catalog = self.catalog
        let jobRan = configuration.dev?.jobRan
        let scheduler = Scheduler(store: store, configuration: configuration.scheduler, logger: logger) {
            invocation,
            done in
            var finished = done
            if let jobRan {
                // `fazt dev`: one line per fired job in the terminal.
                let job = invocation.job
                let started = StorageExecutor.wallClock()
                finished = { outcome in
                    let took = StorageExecutor.wallClock() - started
                    jobRan(job.publicKind, job.name, job.handler, took, outcome.failure?.message)
                    done(outcome)
                }
            }
            JobFiring.fire(
                invocation,
                catalog: catalog,
                supervisor: supervisorBox.current,
                notifier: notifierBox.current,
                done: finished
            )
        }
        scheduler.handlerExists = { app, path in JobFiring.handlerExists(app: app, path: path, catalog: catalog) }
        self.scheduler = scheduler
        let events = EventBus(store: store, scheduler: scheduler)
        self.events = events
        let box = try SecretBox(databasePath: store.path)
        self.secrets = AppSecrets(store: store, box: box)
        self.previewKey = box.derivedKey(purpose: "preview-links")
        let realtime = RealtimeServices(
            limits: configuration.realtime,
            tokenMaster: box.derivedKey(purpose: "socket-tokens"),
            catalog: catalog
        )
        self.realtime = realtime
        let notifier = Notifier(
            store: store,
            box: box,
            scheduler: scheduler,
            ratePerMinute: configuration.notifyRatePerMinute,
            retries: configuration.notifyRetries
        )
        self.notifier = notifier
        notifierBox.current = notifier
        let serverLogger = logger
        let connections = OAuthConnections(
            store: OAuthStore(store: store, box: box),
            allowPrivate: configuration.allowPrivateEgress
        ) { title, body in
            do {
                try notifier.notifyOwner(title: title, body: body, tags: ["oauth"])
            } catch {
                serverLogger.error("cannot notify the owner", metadata: ["error": "\(error)"])
            }
        }
        self.connections = connections
        runtime.credentials = OutboundSecrets(secrets: secrets, connections: connections)
        scheduler.onDead = { job, error in
            if job.kind == "notify" {
                let notification = (try? JSONValue.parse(job.state))?["notification"] ?? .null
                let data: [(String, JSONValue)] = [
                    ("app", .string(job.app)), ("channel", .string(job.name ?? "")), ("notification", notification),
                    ("attempts", .number(Double(job.attempt))), ("error", .string(error)),
                ]
                events.emitSystem("system.notify.failed", app: job.app, data: data, now: StorageExecutor.wallClock())
                return
            }
            var data: [(String, JSONValue)] = [
                ("app", .string(job.app)), ("job", .number(Double(job.id))), ("kind", .string(job.publicKind)),
                ("handler", .string(job.handler)), ("attempts", .number(Double(job.attempt))),
                ("error", .string(error)),
            ]
            if let name = job.name { data.append(("name", .string(name))) }
            events.emitSystem("system.job.failed", app: job.app, data: data, now: StorageExecutor.wallClock())
        }
        let realtimeKernel = RealtimeKernel(realtime: realtime)
        let secretOperations = SecretOperations(secrets: secrets)
        let ai = AIGateway(
            store: store,
            registry: AIRegistry(sharingKeyOf: secrets),
            realtime: realtime,
            scheduler: scheduler,
            runsKeep: configuration.scheduler.runsKeep,
            stallSeconds: configuration.aiStallSeconds,
            callerLoops: eventLoopGroup.map { Array($0.makeIterator()) } ?? []
        )
        self.ai = ai
        runtime.ai = ai
        runtime.kernelCalls = { call, reply in
            if Scheduler.ops.contains(call.op) {
                scheduler.perform(call, reply: reply)
            } else if EventBus.ops.contains(call.op) {
                events.perform(call, reply: reply)
            } else if Notifier.ops.contains(call.op) {
                notifier.perform(call, reply: reply)
            } else if RealtimeKernel.ops.contains(call.op) {
                realtimeKernel.perform(call, reply: reply)
            } else if SecretOperations.ops.contains(call.op) {
                secretOperations.perform(call, reply: reply)
            } else if call.op == .aiCancel {
                reply(.success(StorageResult(json: ai.cancel(app: call.app, streamID: call.arg(0)) ? "true" : "false")))
            } else {
                reply(.failure(StorageError(.invalidArgument, "\(call.op.rawValue) is not available")))
            }
        }
        self.supervisor = Supervisor(configuration: runtime, logger: logger)
        supervisorBox.current = supervisor
        let directory = URL(fileURLWithPath: store.path).deletingLastPathComponent().path + "/.fazt-tmp"
        self.temporaryDirectory = directory
        // Leftovers are uploads interrupted by a crash; nothing refers to them.
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let secrets = self.secrets
        self.backups = Backups(store: store, workDirectory: directory + "/backup") {
            try S3Configuration.from { name in
                try secrets.value(app: AppSecrets.globalScope, name: name).map { String(decoding: $0, as: UTF8.self) }
            }
        }
        let vfs = self.vfs
        self.tls = try configuration.https.map { https in
            try ServerServices.makeCertificateManager(
                https,
                store: store,
                box: box,
                vfs: vfs,
                notifier: notifier,
                logger: logger
            )
        }
        ServerMetrics.register(self)
        if let tls { TLSMetrics.register(tls, in: metrics) }
    }

    var api: ControlAPI { ControlAPI(services: self) }

    /// The port the server is listening on.
    var boundPort: Int {
        get { port.load(ordering: .relaxed) }
        set { port.store(newValue, ordering: .relaxed) }
    }

    /// The port of the `--metrics-listen` listener (0 when there is none).
    var metricsPort: Int {
        get { metricsPortValue.load(ordering: .relaxed) }
        set { metricsPortValue.store(newValue, ordering: .relaxed) }
    }

    /// The port of the HTTPS listener (0 when there is none).
    var httpsPort: Int {
        get { httpsPortValue.load(ordering: .relaxed) }
        set { httpsPortValue.store(newValue, ordering: .relaxed) }
    }

    /// Whether shutdown has begun (`/_fazt/readyz` then answers 503).
    var isDraining: Bool {
        get { drainingFlag.load(ordering: .relaxed) }
        set { drainingFlag.store(newValue, ordering: .relaxed) }
    }

    /// A fresh path in the temporary directory.
    func temporaryPath(prefix: String) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return "\(temporaryDirectory)/\(prefix)-\(getpid())-\(n)-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The public URL of an app.
    func appURL(_ app: String) -> String {
        origin("\(app).\(configuration.domain)") + "/"
    }

    /// Where OAuth providers send the owner's browser back: the callback on the owner host.
    var oauthRedirectURI: String {
        origin(configuration.domain) + FaztResponder.oauthCallbackPath
    }

    /// `scheme://host[:port]` as people reach the server (`--public-url`, else http and the bound port).
    func origin(_ host: String) -> String {
        let scheme = configuration.publicScheme ?? "http"
        let port = configuration.publicPort ?? (configuration.https != nil ? httpsPort : boundPort)
        let standard = scheme == "https" ? 443 : 80
        return "\(scheme)://\(host)\(port == standard ? "" : ":\(port)")"
    }

    /// The signed link to version `version` of `app`'s preview, valid until `expiresAt` (epoch seconds).
    func previewURL(app: String, version: Int, expiresAt: Int64) -> String {
        let token = PreviewLink.token(app: app, version: version, expiresAt: expiresAt, key: previewKey)
        return appURL(AppName.previewLabel(app: app, version: version)) + "?\(PreviewLink.queryName)=\(token)"
    }
}

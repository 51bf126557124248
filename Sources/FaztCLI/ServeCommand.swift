import ArgumentParser
import FaztBackup
import FaztKernel
import FaztRealtime
import FaztScheduler
import FaztServer
import FaztStore
import FaztVFS
import Foundation
import Logging
import NIOCore

/// `fazt serve`: runs the server in this process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Fazt server.",
        discussion: """
            Prints {"event":"listening","port":N} on stdout once it accepts connections (with \
            "metricsPort":M when --metrics-listen is set, "httpsPort":H with HTTPS); logs go to stderr. On the very first start \
            it prints the first owner token to stderr. SIGTERM or SIGINT stops it gracefully: \
            /_fazt/readyz answers 503 at once, the listener closes (after --shutdown-delay-ms), \
            requests in flight finish. Health: GET /_fazt/livez and /_fazt/readyz (no credentials); \
            metrics: GET /_fazt/metrics with the owner token, Prometheus text format. HTTPS: --https \
            (automatic certificates, ACME) or --tls-cert/--tls-key; see docs/operations.md.
            """
    )

    @Option(help: "Port to listen on (0 picks a free port; default 8080, or 80 with --https: plain HTTP).")
    var port: Int?
    @Option(help: "Address to bind.") var host: String = "0.0.0.0"
    @Option(help: "The database file (created on first start).") var data: String = "./data.db"
    @Option(help: "Apps are served at <app>.<domain>.") var domain: String = "localhost"
    @Option(
        name: .customLong("public-url"),
        help: """
            How people reach the server, e.g. https://example.com behind a TLS proxy: the scheme and port of \
            the links it prints (app URLs, previews, the OAuth redirect URI). Its host must be --domain.
            """
    )
    var publicURL: String?
    @Option(name: .customLong("cache-mb"), help: "Hot-file cache budget in MB.") var cacheMB: Int = 64
    @Option(name: .customLong("max-upload-mb"), help: "Largest deploy upload in MB.") var maxUploadMB: Int = 100
    @Option(name: .customLong("max-expanded-mb"), help: "Largest expanded deploy in MB.") var maxExpandedMB: Int = 500
    @Option(name: .customLong("max-file-mb"), help: "Largest file in a deploy in MB.") var maxFileMB: Int = 50
    @Option(name: .customLong("max-entries"), help: "Most entries in a deploy archive.") var maxEntries: Int = 10_000
    @Flag(
        name: .customLong("git-allow-force"),
        help: "Let 'git push --force' rewrite an app's branches (non-fast-forward pushes are refused otherwise)."
    )
    var gitAllowForce = false
    @Option(
        name: .customLong("keep-versions"),
        help: "Versions kept per app (1-100000); older ones are pruned, except the live one and draft bases."
    )
    var keepVersions: Int = 100
    @Option(name: .customLong("max-body-mb"), help: "Largest request body outside deploys in MB.") var maxBodyMB: Int =
        10
    @Option(name: .customLong("max-connections-per-ip"), help: "Concurrent connections allowed from one address.")
    var maxConnectionsPerIP: Int = 50
    @Option(name: .customLong("header-timeout"), help: "Seconds allowed to send a request's headers.")
    var headerTimeout: Int = 5
    @Option(name: .customLong("idle-timeout"), help: "Seconds a keep-alive connection may stay idle.")
    var idleTimeout: Int = 60
    @Option(name: .customLong("trim-after-idle"), help: "Idle seconds before caches and unused pages are released.")
    var trimAfterIdle: Int = 5
    @Option(name: .customLong("js-timeout-ms"), help: "Wall-clock limit of one HTTP invocation of app JavaScript.")
    var jsTimeoutMs: Int = 5000
    @Option(
        name: .customLong("worker-memory-mb"),
        help: "Memory cap of a JavaScript worker process, in MB (its own resident memory, not the shared executable's)."
    )
    var workerMemoryMB: Int = 256
    @Option(name: .customLong("worker-idle-seconds"), help: "Seconds an idle JavaScript worker lives.")
    var workerIdleSeconds: Int = 60
    @Option(name: .customLong("max-workers"), help: "Most JavaScript worker processes (default: cores, at least 2).")
    var maxWorkers: Int?
    @Option(
        name: .customLong("event-loops"),
        help: "Event-loop threads for HTTP and the workers' pipes (default: cores)."
    )
    var eventLoops: Int?
    @Flag(name: .customLong("allow-private-egress"), help: "Let app fetch() reach loopback and private addresses.")
    var allowPrivateEgress = false
    @Option(
        name: .customLong("egress-concurrency"),
        help: "App fetch() requests one app may have in flight at once (more fail with NET_LIMIT)."
    )
    var egressConcurrency = 16
    @Option(
        name: .customLong("egress-per-minute"),
        help: "App fetch() requests one app may start per minute (more fail with NET_LIMIT)."
    )
    var egressPerMinute = 600
    @Option(
        name: .customLong("egress-max-response-mb"),
        help: "Largest response body an app fetch() may receive, in MB."
    )
    var egressMaxResponseMB = 5
    @Option(
        name: .customLong("storage-quota-mb"),
        help: "Default storage quota of each app in MB (KV, documents, SQL and blobs together)."
    )
    var storageQuotaMB: Int = 1024
    @Option(
        name: .customLong("storage-max-queued-writes"),
        help: "Storage writes waiting for the writer beyond which apps get BUSY (HTTP 503 + Retry-After)."
    )
    var storageMaxQueuedWrites: Int = 20_000
    @Option(name: .customLong("job-concurrency"), help: "Most scheduled jobs running at once (all apps).")
    var jobConcurrency: Int = 8
    @Option(name: .customLong("job-concurrency-per-app"), help: "Most scheduled jobs of one app running at once.")
    var jobConcurrencyPerApp: Int = 4
    @Option(name: .customLong("runs-keep"), help: "Execution history entries kept per app.")
    var runsKeep: Int = 1000
    @Option(name: .customLong("runs-max-age-days"), help: "Days execution history is kept.")
    var runsMaxAgeDays: Int = 7
    @Option(name: .customLong("events-max-age-days"), help: "Days persisted events are kept.")
    var eventsMaxAgeDays: Int = 30
    @Option(name: .customLong("notify-rate-per-minute"), help: "Most notifications one app may send per minute.")
    var notifyRatePerMinute: Int = 60
    @Option(
        name: .customLong("webhook-rate-per-minute"),
        help: "Most inbound webhook requests one app accepts per minute (429 beyond)."
    )
    var webhookRatePerMinute: Int = 600
    @Option(
        name: .customLong("webhook-rate-per-ip"),
        help: "Most inbound webhook requests one client address may send one app per minute (429 beyond)."
    )
    var webhookRatePerIP: Int = 120
    @Option(
        name: .customLong("notify-retries"),
        help: "Delivery attempts per channel after the first (backoff from 2 s)."
    )
    var notifyRetries: Int = 4
    @Option(name: .customLong("max-sockets-per-ip"), help: "Open WebSockets and event streams from one address.")
    var maxSocketsPerIP: Int = 256
    @Option(name: .customLong("max-sockets-per-app"), help: "Open WebSockets and event streams of one app.")
    var maxSocketsPerApp: Int = 10_000
    @Option(
        name: .customLong("socket-message-kb"),
        help: "Largest WebSocket message a client may send, in KB (close 1009 above it)."
    )
    var socketMessageKB: Int = 512
    @Option(
        name: .customLong("socket-buffer-kb"),
        help: "Unread bytes queued for one socket before it is closed as a slow consumer (4008), in KB."
    )
    var socketBufferKB: Int = 1024
    @Option(
        name: .customLong("socket-max-fragments"),
        help: "Most frames one fragmented WebSocket message may have (close 1009 above it: a fragment flood)."
    )
    var socketMaxFragments: Int = 1024
    @Option(
        name: .customLong("socket-ping-seconds"),
        help: "Seconds between the server's pings to each socket (a JSON ping and a protocol ping)."
    )
    var socketPingSeconds: Int = 30
    @Option(
        name: .customLong("socket-timeout-seconds"),
        help: "Seconds a socket may send nothing (not even a pong) before it is closed with 4012."
    )
    var socketTimeoutSeconds: Int = 40
    @Option(
        name: .customLong("ai-stall-seconds"),
        help: "Seconds an AI provider may send nothing before the call fails with AI_TIMEOUT (1 to 3600)."
    )
    var aiStallSeconds: Int = 60
    @Option(
        name: .customLong("data-journal"),
        help:
            "on: journal every app data change (data restore points); off: faster writes, but no data restore for new changes."
    )
    var dataJournal: String = "on"
    @Option(name: .customLong("journal-max-age-days"), help: "Days data restore points are kept.")
    var journalMaxAgeDays: Int = 30
    @Option(name: .customLong("journal-max-mb"), help: "Data journal kept per app, in MB (oldest pruned first).")
    var journalMaxMB: Int = 256
    @Option(
        name: .customLong("metrics-listen"),
        help: ArgumentHelp(
            "Also serve /metrics, /livez and /readyz without credentials on this HOST:PORT (loopback only, unless --metrics-allow-remote).",
            valueName: "host:port"
        )
    )
    var metricsListen: String?
    @Flag(
        name: .customLong("metrics-allow-remote"),
        help: "Let --metrics-listen bind a non-loopback address (its metrics need no credentials)."
    )
    var metricsAllowRemote = false
    @Option(
        name: .customLong("shutdown-delay-ms"),
        help: "After SIGTERM, keep accepting for this long while /_fazt/readyz answers 503 (for load balancers)."
    )
    var shutdownDelayMs: Int = 0
    @Option(
        name: .customLong("backup-every"),
        help: "Take a backup this often (e.g. 6h, 30m, 1d); see 'fazt backup --help'."
    )
    var backupEvery: String?
    @Option(name: .customLong("backup-keep"), help: "Backups kept at the backup target (oldest deleted first).")
    var backupKeep: Int?
    @Option(
        name: .customLong("backup-to"),
        help: "Where backups go: a directory or s3://bucket/prefix (default: backups/ beside the database)."
    )
    var backupTo: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"
    @OptionGroup(title: "HTTPS") var tls: TLSOptions

    /// The plain-HTTP port: `--port`, else 80 with HTTPS and 8080 without.
    var plainPort: Int { port ?? (tls.enabled ? 80 : 8080) }

    func validate() throws {
        guard (0...65_535).contains(plainPort) else { throw ValidationError("--port must be between 0 and 65535") }
        try tls.validate(domain: domain)
        for (flag, value) in [
            ("--max-sockets-per-ip", maxSocketsPerIP), ("--max-sockets-per-app", maxSocketsPerApp),
            ("--socket-message-kb", socketMessageKB), ("--socket-buffer-kb", socketBufferKB),
            ("--socket-max-fragments", socketMaxFragments), ("--socket-ping-seconds", socketPingSeconds),
            ("--socket-timeout-seconds", socketTimeoutSeconds), ("--egress-concurrency", egressConcurrency),
            ("--egress-per-minute", egressPerMinute), ("--egress-max-response-mb", egressMaxResponseMB),
        ] where value < 1 {
            throw ValidationError("\(flag) must be at least 1")
        }
        guard (1...100_000).contains(keepVersions) else {
            throw ValidationError("--keep-versions must be between 1 and 100000 (got \(keepVersions))")
        }
        guard (1...3600).contains(aiStallSeconds) else {
            throw ValidationError("--ai-stall-seconds must be between 1 and 3600 (got \(aiStallSeconds))")
        }
        guard dataJournal == "on" || dataJournal == "off" else {
            throw ValidationError("--data-journal must be on or off (got '\(dataJournal)')")
        }
        if let metricsListen {
            guard let address = ListenAddress(parsing: metricsListen) else {
                throw ValidationError(
                    "--metrics-listen takes HOST:PORT, such as 127.0.0.1:9090 or [::1]:9090 (got '\(metricsListen)')"
                )
            }
            guard address.isLoopback || metricsAllowRemote else {
                throw ValidationError(
                    "--metrics-listen \(metricsListen) is not a loopback address and its metrics need no credentials; "
                        + "add --metrics-allow-remote to serve them there anyway, or use 127.0.0.1"
                )
            }
        }
        guard (0...600_000).contains(shutdownDelayMs) else {
            throw ValidationError("--shutdown-delay-ms must be between 0 and 600000 (got \(shutdownDelayMs))")
        }
        do {
            _ = try backupEvery.map(BackupSchedule.parseInterval)
            _ = try backupTo.map(BackupTarget.parse)
        } catch let error as BackupError {
            throw ValidationError("--backup-every/--backup-to: \(error.message)")
        }
        if let backupKeep, backupKeep < 1 {
            throw ValidationError("--backup-keep must be at least 1 (got \(backupKeep))")
        }
        if backupKeep != nil, backupEvery == nil {
            throw ValidationError("--backup-keep needs --backup-every (retention applies to scheduled backups)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown --log-level '\(logLevel)'")
        }
        for (name, value) in [
            ("cache-mb", cacheMB), ("max-upload-mb", maxUploadMB), ("max-expanded-mb", maxExpandedMB),
            ("max-file-mb", maxFileMB), ("max-entries", maxEntries), ("max-body-mb", maxBodyMB),
            ("max-connections-per-ip", maxConnectionsPerIP), ("header-timeout", headerTimeout),
            ("idle-timeout", idleTimeout), ("trim-after-idle", trimAfterIdle), ("js-timeout-ms", jsTimeoutMs),
            ("worker-memory-mb", workerMemoryMB), ("worker-idle-seconds", workerIdleSeconds),
            ("max-workers", maxWorkers ?? 1), ("event-loops", eventLoops ?? 1), ("storage-quota-mb", storageQuotaMB),
            ("storage-max-queued-writes", storageMaxQueuedWrites), ("job-concurrency", jobConcurrency),
            ("job-concurrency-per-app", jobConcurrencyPerApp), ("runs-keep", runsKeep),
            ("runs-max-age-days", runsMaxAgeDays), ("events-max-age-days", eventsMaxAgeDays),
            ("notify-rate-per-minute", notifyRatePerMinute), ("webhook-rate-per-minute", webhookRatePerMinute),
            ("webhook-rate-per-ip", webhookRatePerIP), ("journal-max-age-days", journalMaxAgeDays),
            ("journal-max-mb", journalMaxMB),
        ]
        where value <= 0 {
            throw ValidationError("--\(name) must be positive")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        ServeCommand.bootstrapLogging(level: level)
        let logger = Logger(label: "fazt")
        let path = URL(fileURLWithPath: data).standardizedFileURL.path
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
            withIntermediateDirectories: true
        )
        // One server per database: offline tools (`fazt backup restore`) check this lock too.
        let lock: DatabaseLock
        do {
            guard let held = try DatabaseLock.acquire(databasePath: path) else {
                throw CLIError(
                    "another fazt serve is using \(path) (it holds \(DatabaseLock.lockPath(for: path))); stop it first"
                )
            }
            lock = held
        } catch let error as StoreError {
            throw CLIError("cannot lock \(path): \(error.message)")
        }
        defer { withExtendedLifetime(lock) {} }
        let store: Store
        do {
            var storeConfiguration = StoreConfiguration()
            storeConfiguration.journalsData = dataJournal == "on"
            store = try Store(path: path, configuration: storeConfiguration, logger: logger)
        } catch {
            throw CLIError("cannot open \(path): \(error)")
        }
        let tokens = Tokens(store: store)
        // Created before listening (so it is durable first), announced once the real port is known.
        let firstToken = try tokens.count() == 0 ? try tokens.create(name: "owner").token : nil
        // No deploy is in flight before the server starts, so every unreferenced blob is garbage.
        try VFS(store: store).collectGarbage(createdBefore: Int64.max)

        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = plainPort
        let httpsBound = BoundPort()
        configuration.https = tls.configuration(domain: domain) { port in httpsBound.set(port) }
        if let https = configuration.https {
            configuration.publicScheme = "https"
            configuration.publicPort = https.port == 0 ? nil : https.port
        }
        configuration.domain = domain.lowercased()
        if let publicURL {
            (configuration.publicScheme, configuration.publicPort) = try Self.publicOrigin(publicURL, domain: domain)
        }
        configuration.cacheBytes = cacheMB << 20
        configuration.maxBodyBytes = maxBodyMB << 20
        configuration.deployLimits.maxUploadBytes = maxUploadMB << 20
        configuration.deployLimits.maxExpandedBytes = maxExpandedMB << 20
        configuration.deployLimits.maxFileBytes = maxFileMB << 20
        configuration.deployLimits.maxEntries = maxEntries
        configuration.deployLimits.keepVersions = keepVersions
        configuration.gitAllowForce = gitAllowForce
        configuration.maxConnectionsPerIP = maxConnectionsPerIP
        configuration.realtime.maxSocketsPerIP = maxSocketsPerIP
        configuration.realtime.maxSocketsPerApp = maxSocketsPerApp
        configuration.realtime.maxMessageBytes = socketMessageKB << 10
        configuration.realtime.outboundBudgetBytes = socketBufferKB << 10
        configuration.realtime.maxFragments = socketMaxFragments
        configuration.realtime.pingIntervalSeconds = socketPingSeconds
        configuration.realtime.readTimeoutSeconds = socketTimeoutSeconds
        configuration.headerTimeout = .seconds(Int64(headerTimeout))
        configuration.idleTimeout = .seconds(Int64(idleTimeout))
        configuration.trimAfterIdle = .seconds(Int64(trimAfterIdle))
        configuration.invocationTimeoutMs = jsTimeoutMs
        configuration.workerMemoryLimit = workerMemoryMB << 20
        configuration.workerIdleSeconds = Double(workerIdleSeconds)
        if let maxWorkers { configuration.maxWorkers = maxWorkers }
        if let eventLoops { configuration.eventLoopThreads = eventLoops }
        configuration.allowPrivateEgress = allowPrivateEgress
        configuration.egressConcurrency = egressConcurrency
        configuration.egressPerMinute = egressPerMinute
        configuration.egressMaxResponseMB = egressMaxResponseMB
        configuration.storageQuotaBytes = Int64(storageQuotaMB) << 20
        configuration.storageMaxQueuedWrites = storageMaxQueuedWrites
        configuration.scheduler.globalLimit = jobConcurrency
        configuration.scheduler.perAppLimit = jobConcurrencyPerApp
        configuration.scheduler.runsKeep = runsKeep
        configuration.scheduler.runsMaxAgeMs = Int64(runsMaxAgeDays) * 86_400_000
        configuration.scheduler.eventsMaxAgeMs = Int64(eventsMaxAgeDays) * 86_400_000
        configuration.notifyRatePerMinute = notifyRatePerMinute
        configuration.webhookRatePerMinute = webhookRatePerMinute
        configuration.webhookRatePerMinutePerIP = webhookRatePerIP
        configuration.notifyRetries = max(0, min(notifyRetries, 20))
        configuration.aiStallSeconds = aiStallSeconds
        configuration.dataJournal = dataJournal == "on"
        configuration.journalMaxAgeDays = journalMaxAgeDays
        configuration.journalMaxBytes = Int64(journalMaxMB) << 20
        configuration.metricsListen = metricsListen.flatMap { ListenAddress(parsing: $0) }
        configuration.shutdownDelay = .milliseconds(Int64(shutdownDelayMs))
        configuration.backup.everyMs = try backupEvery.map(BackupSchedule.parseInterval)
        configuration.backup.keep = backupKeep
        configuration.backup.target = backupTo.map {
            $0.hasPrefix("s3://") ? $0 : URL(fileURLWithPath: $0).standardizedFileURL.path
        }
        let host = domain.lowercased()
        let notifier = SystemdNotifier()
        configuration.onDraining = { notifier.stopping() }
        let daemon = FaztDaemon(configuration: configuration, store: store, logger: logger) { port, metricsPort in
            notifier.ready(status: "listening on port \(port)")
            if let firstToken {
                let https = httpsBound.value
                let welcome = Self.welcome(token: firstToken, host: host, port: https ?? port, https: https != nil)
                FileHandle.standardError.write(Data(welcome.utf8))
            }
            let metrics =
                (metricsPort.map { #","metricsPort":\#($0)"# } ?? "")
                + (httpsBound.value.map { #","httpsPort":\#($0)"# } ?? "")
            // Written with one write(2) so the line is never buffered or split.
            FileHandle.standardOutput.write(Data(#"{"event":"listening","port":\#(port)\#(metrics)}"#.utf8 + [0x0A]))
        }
        // The daemon checkpoints the WAL and closes the store as its last shutdown step.
        defer { notifier.stopping() }
        do {
            try await daemon.run()
        } catch {
            throw CLIError("server failed: \(error)")
        }
    }

    /// The first-start message: the only time the first owner token is shown.
    static func welcome(token: String, host: String, port: Int, https: Bool = false) -> String {
        let scheme = https ? "https" : "http"
        let base = port == (https ? 443 : 80) ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)"
        return """

            fazt: this is a new server. Your first owner token (shown only now; keep it safe):

                \(token)

            Log in the CLI:   fazt login \(base) \(token)
            Or open:          \(base)/#token=\(token)
            Lost it? With the server running: fazt token create --data <your data.db>


            """
    }

    /// The scheme and port of `--public-url`, whose host must be the domain.
    static func publicOrigin(_ url: String, domain: String) throws -> (String, Int) {
        let lower = url.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https" : lower.hasPrefix("http://") ? "http" : ""
        var rest = lower.dropFirst(scheme.count + 3)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        let port = parts.count == 2 ? Int(parts[1]) : scheme == "https" ? 443 : 80
        guard !scheme.isEmpty, parts.count <= 2, let port, (1...65535).contains(port), !rest.contains("/") else {
            throw ValidationError(
                "--public-url must look like https://example.com or http://example.com:8080 (got '\(url)')"
            )
        }
        guard parts[0] == domain.lowercased() else {
            throw ValidationError("--public-url names \(parts[0]), but --domain is \(domain): they must match")
        }
        return (scheme, port)
    }
}

extension ServeCommand {
    /// Log lines go to stderr at `level` (`fazt serve` and `fazt dev`).
    static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

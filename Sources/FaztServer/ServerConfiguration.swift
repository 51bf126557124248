import FaztRealtime
import FaztScheduler
import FaztVFS
import Glibc
import NIOCore

/// Everything `fazt serve` can be told; defaults follow ARCHITECTURE.md §7.
public struct ServerConfiguration: Sendable {
    /// Address to bind.
    public var host: String = "0.0.0.0"
    /// Port to bind; 0 picks a free one (reported in the ready line).
    public var port: Int = 8080
    /// Apps are served at `<app>.<domain>`; the owner page at `<domain>`.
    public var domain: String = "localhost"
    /// The scheme people reach the server at (`--public-url`); nil: `http`.
    ///
    /// Behind a TLS proxy, the links the server prints (app URLs, previews, the OAuth redirect
    /// URI) use it and `publicPort` (nil: the port it listens on).
    public var publicScheme: String?
    public var publicPort: Int?
    /// Largest request body outside deploys.
    public var maxBodyBytes: Int = 10 * 1024 * 1024
    /// Largest header block (request line + headers).
    public var maxHeaderBytes: Int = 32 * 1024
    /// Time allowed from a request's first byte to the end of its headers.
    public var headerTimeout: TimeAmount = .seconds(5)
    /// How long a keep-alive connection may sit idle between requests.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// How long one request body may go without progress.
    public var bodyTimeout: TimeAmount = .seconds(30)
    /// Concurrent connections allowed from one client address.
    public var maxConnectionsPerIP: Int = 50
    /// Limits of WebSockets and channels (`/_ws`, `/_sse`).
    public var realtime = RealtimeLimits()
    /// Byte budget of the in-memory hot-file cache.
    public var cacheBytes: Int = 64 * 1024 * 1024
    /// Runs once when graceful shutdown begins (SIGTERM/SIGINT): `fazt serve` tells systemd.
    public var onDraining: @Sendable () -> Void = {}
    /// How long shutdown waits for in-flight requests.
    public var shutdownGrace: TimeAmount = .seconds(10)
    /// How long the listener keeps accepting after SIGTERM while `/_fazt/readyz` answers 503, so
    /// that load balancers stop sending traffic before connections are refused.
    public var shutdownDelay: TimeAmount = .zero
    /// HTTPS (`--https`, `--tls-cert`): `port` is then the plain-HTTP port (challenges, redirects).
    public var https: HTTPSConfiguration?
    /// A second listener serving `/metrics`, `/livez` and `/readyz` without credentials.
    public var metricsListen: ListenAddress?
    /// Idle time after which the server releases caches and unused code pages.
    public var trimAfterIdle: TimeAmount = .seconds(5)
    /// The executable that runs `fazt __worker` (this program).
    public var executablePath: String = ServerConfiguration.currentExecutable()
    /// Wall-clock limit of one HTTP invocation of app JavaScript, in milliseconds.
    public var invocationTimeoutMs: Int = 5000
    /// Memory cap of a JavaScript worker (its own resident memory), in bytes.
    public var workerMemoryLimit: Int = 256 << 20
    /// Seconds an idle JavaScript worker lives before exiting.
    public var workerIdleSeconds: Double = 60
    /// Most JavaScript worker processes.
    public var maxWorkers: Int = max(2, System.coreCount)
    /// Let app `fetch` reach loopback, private and link-local addresses.
    public var allowPrivateEgress = false
    /// Per-app app-`fetch` bounds: requests in flight, requests per minute, response size in MB.
    public var egressConcurrency = 16
    public var egressPerMinute = 600
    public var egressMaxResponseMB = 5
    /// Deploy limits (upload, expansion, entries, per file).
    public var deployLimits = DeployLimits()
    /// Whether `git push` may rewrite a branch (non-fast-forward); `fazt serve --git-allow-force`.
    public var gitAllowForce = false
    /// Default storage quota of an app, in bytes (an app's own quota overrides it).
    public var storageQuotaBytes: Int64 = 1 << 30
    /// Storage writes queued on the writer beyond which new ones fail with `BUSY` (HTTP 503).
    public var storageMaxQueuedWrites: Int = 20_000
    /// Whether app data changes are journaled (data restore points); set where the store opens.
    public var dataJournal: Bool = true
    /// Journal entries older than this are pruned (data restore points expire).
    public var journalMaxAgeDays: Int = 30
    /// Per app, journal entries beyond this many bytes (oldest first) are pruned.
    public var journalMaxBytes: Int64 = 256 << 20
    /// Most notifications one app may send per minute.
    public var notifyRatePerMinute = 60
    /// Inbound webhook requests one app accepts per minute (all senders together).
    public var webhookRatePerMinute = 600
    /// Inbound webhook requests one client address may send to one app per minute.
    public var webhookRatePerMinutePerIP = 120
    /// Delivery attempts per channel after the first (exponential backoff from 2 s).
    public var notifyRetries = 4
    /// Seconds an AI provider may send nothing before the call fails with `AI_TIMEOUT`.
    public var aiStallSeconds = 60
    /// Scheduler limits (job concurrency, history retention).
    public var scheduler = SchedulerConfiguration()
    /// Scheduled backups, retention and the default backup target.
    public var backup = BackupSettings()
    /// `fazt dev`: one app on every host, request log, code frames (nil for `fazt serve`).
    public var dev: DevHooks?
    /// Event loop threads (defaults to one per core).
    public var eventLoopThreads: Int = System.coreCount

    public init() {}

    /// The absolute path of the running executable.
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A `HOST:PORT` to listen on (`[v6]:PORT` for IPv6 literals).
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil when it is not of that shape or the port is out of range.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        self.init(host: host, port: port)
    }

    /// Whether the host is a loopback address (127.0.0.0/8, ::1 or localhost).
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

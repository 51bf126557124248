import FaztVFS
import NIOCore

/// Everything `fazt serve` can be told; defaults follow ARCHITECTURE.md §7.
public struct ServerConfiguration: Sendable {
    /// Address to bind.
    public var host: String = "0.0.0.0"
    /// Port to bind; 0 picks a free one (reported in the ready line).
    public var port: Int = 8080
    /// Apps are served at `<app>.<domain>`; the owner page at `<domain>`.
    public var domain: String = "localhost"
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
    /// Byte budget of the in-memory hot-file cache.
    public var cacheBytes: Int = 64 * 1024 * 1024
    /// How long shutdown waits for in-flight requests.
    public var shutdownGrace: TimeAmount = .seconds(10)
    /// Idle time after which the server releases caches and unused code pages.
    public var trimAfterIdle: TimeAmount = .seconds(5)
    /// Deploy limits (upload, expansion, entries, per file).
    public var deployLimits = DeployLimits()
    /// Event loop threads (defaults to one per core).
    public var eventLoopThreads: Int = System.coreCount

    public init() {}
}

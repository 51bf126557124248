import FaztNet
import FaztStorage
import NIOCore

/// Limits and placement of JavaScript workers (ARCHITECTURE.md §3, §7).
public struct RuntimeConfiguration: Sendable {
    /// The `fazt` executable to start workers from (`fazt __worker`).
    public var executable: String
    /// The database workers read app code from (read-only).
    public var dataPath: String
    /// Most worker processes at once.
    public var maxWorkers: Int = 2
    /// Wall-clock limit per HTTP invocation, in milliseconds.
    public var invocationTimeoutMs: Int = 5000
    /// Own resident memory (not the shared executable) above which a worker is killed, in bytes.
    public var workerMemoryLimit: Int = 256 << 20
    /// Seconds a worker may sit idle before it exits (an idle server runs no JavaScript).
    public var workerIdleSeconds: Double = 60

    /// Receives app log lines (`console.*`, `fazt.log.*`, handler errors): app, level, message.
    public var logSink: @Sendable (String, String, String) -> Void = { _, _, _ in }
    /// Applies workers' storage writes and transactions (nil: storage calls fail with INTERNAL).
    public var storage: StorageService?
    /// Answers kernel calls from app JavaScript (`schedule.*`, `events.*`, `notify`, `socket.*`):
    /// the call and a reply to run once with JSON (nil: such calls fail with INTERNAL).
    public var kernelCalls:
        (@Sendable (StorageCall, @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) -> Void)?
    /// What `fetch` may reach.
    public var egress = EgressPolicy()
    /// An app's egress allowlist (its manifest's `"egress"`), looked up at each `fetch`.
    ///
    /// The closure answers nil for an app without a list (any public host); unset: no app has one.
    public var egressRules: (@Sendable (String) -> HostAllowlist?)?
    /// Per-app `fetch` concurrency and rate, shared by all workers.
    public var egressLimits = EgressLimits()
    /// Receives the record of every app `fetch` (nil: not recorded).
    public var egressRecorder: (@Sendable (EgressRecord) -> Void)?
    /// Fills secrets and connection tokens into `fetch` calls that ask for them (nil: such calls
    /// fail with `NET_AUTH`).
    public var credentials: (any OutboundCredentials)?
    /// Makes `fazt.ai` calls (nil: they fail with `AI_NOT_CONFIGURED`).
    public var ai: (any AIService)?
    /// The event loops that own workers' pipes (the server's, so a reply completes on the loop of
    /// the request that waits for it); nil: NIO's shared group.
    public var eventLoopGroup: (any EventLoopGroup)?
    /// Stores the ES modules and TypeScript files a deploy check transformed (`module_cache`),
    /// before the deploy goes on (nil: not cached; workers then transform on first load).
    public var moduleCache: (@Sendable ([CompiledModule]) async throws -> Void)?
    /// Called when the last worker process has exited (the server then trims its memory again:
    /// pages it shared with the workers, the same binary, can only be released now).
    public var onAllWorkersGone: @Sendable () -> Void = {}

    public init(executable: String, dataPath: String) {
        self.executable = executable
        self.dataPath = dataPath
    }
}

/// What a handler answered, normalized by the runtime.
public struct InvocationResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
}

/// How an invocation ended.
public enum InvocationResult: Sendable {
    case response(InvocationResponse)
    /// Its `kind` is `exception` (500), `timeout` or `memory` (503, a limit), `crash` (500),
    /// `unavailable` (503), `busy` (503 + Retry-After: storage is saturated), `storage` (500: a
    /// pipelined write failed after the handler returned) or `internal` (500).
    case failure(InvocationFailure)
}

import FaztStorage
import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Runs JavaScript invocations in worker processes and enforces limits from outside.
///
/// Workers start on demand (up to `maxWorkers`), take one invocation at a time, and exit after
/// `workerIdleSeconds` without work, so an idle server runs no JavaScript. A watchdog kills a worker
/// (SIGKILL) whose invocation passes its deadline or whose RSS passes the cap; the invocation fails
/// with `timeout`/`memory` (503), and the next invocation gets a fresh worker.
public final class Supervisor: Sendable {
    struct State {
        var workers: [WorkerHandle] = []
        var idle: [WorkerHandle] = []
        /// HTTP requests waiting for a worker, oldest first.
        var waiters: [Waiter] = []
        /// Jobs waiting for a worker: served only when no HTTP request waits.
        var backgroundWaiters: [@Sendable (WorkerHandle?) -> Void] = []
        /// Job invocations running now (at most `backgroundLimit`).
        var backgroundRunning = 0
        /// Worker processes being launched (off the caller's thread): they count against the cap.
        var starting = 0
        var closed = false
        var nextID: UInt64 = 0
        /// Run once no worker process is left (shutdown waits on this).
        var goneWaiters: [@Sendable () -> Void] = []
    }

    let configuration: RuntimeConfiguration
    let logger: Logger
    let state = Mutex(State())
    private let watchdog: Watchdog
    /// Invocations finished, by outcome (`InvocationFailure.Kind` raw value, or `ok`).
    private let outcomes = Mutex<[String: Int]>([:])
    /// The event loops that own workers' pipes.
    private let loops: [any EventLoop]

    public init(configuration: RuntimeConfiguration, logger: Logger) {
        // Writing to the pipe of a worker that just died must fail with EPIPE (handled as a crash
        // of that worker), not raise SIGPIPE, which would kill the whole server. Process-wide, but
        // the server has no use for SIGPIPE: NIO already sends with MSG_NOSIGNAL.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        self.logger = logger
        self.watchdog = Watchdog()
        self.loops = Array((configuration.eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton).makeIterator())
    }

    /// Number of live worker processes.
    public var workerCount: Int { state.withLock { $0.workers.count } }

    /// Whether workers may still start (false once the supervisor is shutting down), and the worker
    /// executable is there to start them.
    public var canStartWorkers: Bool {
        guard !state.withLock({ $0.closed }) else { return false }
        return access(configuration.executable, X_OK) == 0
    }

    /// Resident memory of every live worker process together, in bytes (reads `/proc`).
    public var workerResidentBytes: Int {
        state.withLock { $0.workers.map(\.pid) }.reduce(0) { $0 + ProcessMemory.residentBytes(of: $1) }
    }

    /// Invocations finished since start, by outcome: `ok` or an `InvocationFailure.Kind` raw value
    /// (`timeout` and `memory` are the watchdog's limit kills).
    public var invocationOutcomes: [String: Int] { outcomes.withLock { $0 } }

    /// Runs `body` once no worker process is left (at once when none is).
    public func whenAllWorkersGone(_ body: @escaping @Sendable () -> Void) {
        let none = state.withLock { state in
            if !state.workers.isEmpty { state.goneWaiters.append(body) }
            return state.workers.isEmpty
        }
        if none { body() }
    }

    /// Runs `file` of `app`@`version` for `request` (JSON, see docs/api.md) and returns its answer.
    public func invoke(
        app: String,
        version: Int,
        file: String,
        requestJSON: String,
        timeoutMs: Int? = nil
    ) async
        -> InvocationResult
    {
        await withCheckedContinuation { continuation in
            invoke(app: app, version: version, file: file, requestJSON: requestJSON, timeoutMs: timeoutMs) {
                continuation.resume(returning: $0)
            }
        }
    }

    /// Callback form of `invoke`: `completion` runs once, on a supervisor thread (no task hops;
    /// the HTTP path completes an event-loop promise from it).
    ///
    /// `body`: the request body as bytes, when it is not UTF-8 text (the JSON then has none); it
    /// reaches JavaScript as a `Uint8Array`.
    ///
    /// `onResponse` gets the response when it leaves before the invocation ends (`ctx.waitUntil`
    /// work, a `ReadableStream` body), in order; `completion` then still runs once, after them.
    /// `exclusive`: no other request may queue behind this one in its worker (a Workers-style
    /// file, `HandlerRoute.mayRespondEarly`); any invocation becomes so once its response starts.
    public func invoke(
        app: String,
        version: Int,
        file: String,
        requestJSON: String,
        body: [UInt8]? = nil,
        timeoutMs: Int? = nil,
        memoryLimit: Int? = nil,
        onResponse: (@Sendable (InvocationResponsePart) -> Void)? = nil,
        exclusive: Bool = false,
        completion: @escaping @Sendable (InvocationResult) -> Void
    ) {
        run(
            app: app,
            version: version,
            file: file,
            requestJSON: requestJSON,
            body: body,
            timeoutMs: timeoutMs,
            memoryLimit: memoryLimit,
            capture: false,
            onResponse: onResponse,
            exclusive: exclusive
        ) { result, _ in
            completion(result)
        }
    }

    /// Runs a job or event delivery: like `invoke`, with the console output of the run captured.
    ///
    /// `completion` runs once the invocation's writes are applied, without waiting for the disk:
    /// the caller records the outcome with a later write of the same store, which can only become
    /// durable after them.
    public func invokeCapturing(
        app: String,
        version: Int,
        file: String,
        requestJSON: String,
        timeoutMs: Int,
        completion: @escaping @Sendable (InvocationResult, String?) -> Void
    ) {
        run(
            app: app,
            version: version,
            file: file,
            requestJSON: requestJSON,
            timeoutMs: timeoutMs,
            memoryLimit: nil,
            capture: true,
            completion: completion
        )
    }

    static func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private func run(
        app: String,
        version: Int,
        file: String,
        requestJSON: String,
        body: [UInt8]? = nil,
        timeoutMs: Int?,
        memoryLimit: Int?,
        capture: Bool,
        onResponse: (@Sendable (InvocationResponsePart) -> Void)? = nil,
        exclusive: Bool = false,
        completion caller: @escaping @Sendable (InvocationResult, String?) -> Void
    ) {
        // A response that started early is followed by the invocation's end, never overtaken by it.
        let relay = onResponse.map { _ in ResponseRelay() }
        let completion: @Sendable (InvocationResult, String?) -> Void = { result, output in
            guard let relay, relay.started else { return caller(result, output) }
            relay.run { caller(result, output) }
        }
        let timeout = timeoutMs ?? configuration.invocationTimeoutMs
        let memory = min(memoryLimit ?? configuration.workerMemoryLimit, configuration.workerMemoryLimit)
        // Captured runs are jobs and event deliveries: they yield to HTTP requests (see `acquire`).
        let background = capture
        // The HTTP path invokes on the request's loop; the worker may be acquired later elsewhere.
        let callerLoop = MultiThreadedEventLoopGroup.currentEventLoop
        acquire(background: background) { [self] worker in
            guard let worker else {
                completion(
                    .failure(
                        InvocationFailure(kind: .unavailable, message: "the JavaScript runtime is not available")
                    ),
                    nil
                )
                return
            }
            let id = nextID()
            let invoke = WorkerFrame.Invoke(
                id: id,
                app: app,
                version: version,
                file: file,
                request: requestJSON,
                body: body,
                timeoutMs: timeout,
                capture: capture
            )
            var forward: (@Sendable (WorkerFrame) -> Void)?
            if let relay, let onResponse {
                let storage = configuration.storage
                forward = { frame in Self.relay(frame, through: relay, worker: worker, storage: storage, to: onResponse)
                }
            }
            watchdog.wake(self)
            // The worker enforces the deadline itself where it can (sync loops, timers); the
            // watchdog kills it a little later if it cannot (promise chains, allocation bombs).
            worker.exchange(
                .invoke(invoke),
                id: id,
                timeoutMs: timeout + 250,
                memoryLimit: memory,
                callerLoop: callerLoop,
                onResponse: forward,
                exclusive: exclusive
            ) { [self] reply in
                if background { state.withLock { $0.backgroundRunning -= 1 } }
                release(worker)
                let result = WorkerHandle.result(reply)
                let outcome: String
                if case .failure(let failure) = result { outcome = failure.kind.rawValue } else { outcome = "ok" }
                outcomes.withLock { $0[outcome, default: 0] += 1 }
                if case .failure(let failure) = result {
                    // Failures go to the app's log too, with the stack when the app threw.
                    var line = "\(file): \(failure.message)" + (failure.location.map { " (\($0))" } ?? "")
                    if let stack = failure.stack, !stack.isEmpty { line += "\n" + stack }
                    configuration.logSink(app, failure.kind == .exception ? "error" : "warn", line)
                }
                // A response that wrote (or read) storage waits until its pipelined writes are applied
                // (this runs on the worker's event loop before it decodes the next frame, so the
                // count covers exactly the writes sent before the result) and everything committed
                // is synced: nothing reaches a client before it is durable.
                let output: String?
                if case .result(let answer) = reply { output = answer.output } else { output = nil }
                guard case .result(let answer) = reply, answer.usedStorage, let storage = configuration.storage
                else {
                    completion(result, output)
                    return
                }
                worker.afterPipelinedWrites { [configuration] failure in
                    var result = result
                    if let error = failure {
                        configuration.logSink(app, "error", "\(file): a storage write failed: \(error)")
                        result = .failure(
                            InvocationFailure(
                                kind: error.code == .busy ? .busy : .storage,
                                message: "a storage write failed: \(error.message) (\(error.code.rawValue))",
                                code: error.code.rawValue
                            )
                        )
                    }
                    let final = result
                    // A job's outcome is itself a write that commits after these in the same WAL,
                    // so no disk flush is needed first: nothing outside sees the result before it.
                    if background {
                        completion(final, output)
                    } else {
                        storage.whenAllDurable { completion(final, output) }
                    }
                }
            }
        }
    }

    private func nextID() -> UInt64 {
        state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
    }

    /// Prepares `app`@`version` in an idle worker (its context, with the runtime prelude evaluated)
    /// so the first request after a deploy or rollback does not pay for it; returns when done (or
    /// at once when no worker is idle: nothing is started for this).
    public func warm(app: String, version: Int) async {
        let worker: WorkerHandle? = state.withLock { state in
            guard !state.closed, state.waiters.isEmpty, let worker = Self.takeIdle(&state, near: nil) else {
                return nil
            }
            return worker
        }
        guard let worker else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            watchdog.wake(self)
            let id = nextID()
            worker.exchange(
                .warm(WorkerFrame.Warm(id: id, app: app, version: version)),
                id: id,
                timeoutMs: configuration.invocationTimeoutMs
            ) { [self] _ in
                release(worker)
                continuation.resume()
            }
        }
    }

    /// Syntax-checks scripts in a worker (app code is never parsed in the daemon).
    ///
    /// Returns the problems found, or throws when no worker could do the check. ES modules and
    /// TypeScript are transformed there too; without problems, their output goes to `moduleCache`.
    public func checkSyntax(_ sources: [ScriptSource]) async throws -> [ScriptProblem] {
        let reply: WorkerHandle.Reply = await withCheckedContinuation { continuation in
            acquire { [self] worker in
                guard let worker else {
                    continuation.resume(
                        returning: .lost(kind: .unavailable, message: "the JavaScript runtime is not available")
                    )
                    return
                }
                watchdog.wake(self)
                let id = nextID()
                worker.exchange(
                    .check(WorkerFrame.Check(id: id, sources: sources)),
                    id: id,
                    // Transforming TypeScript takes a few milliseconds a file (a 200-file app).
                    timeoutMs: configuration.invocationTimeoutMs * 2 + 50 * sources.count
                ) { [self] reply in
                    release(worker)
                    continuation.resume(returning: reply)
                }
            }
        }
        switch reply {
        case .checked(let checked):
            if checked.problems.isEmpty, !checked.modules.isEmpty, let cache = configuration.moduleCache {
                do {
                    try await cache(checked.modules)
                } catch {
                    // Derived data: without it, workers transform these modules on first load.
                    logger.warning("cannot cache transformed modules", metadata: ["error": "\(error)"])
                }
            }
            return checked.problems
        case .result: throw InvocationFailure(kind: .internal, message: "the worker answered a check with a result")
        case .lost(let kind, let text): throw InvocationFailure(kind: kind, message: text)
        }
    }

    /// Hands `completion` a worker now (idle or newly started) or when one frees up; nil when the
    /// runtime is closed or no worker can start.
    ///
    /// A `background` invocation (a job) never queues behind another invocation, runs on at most
    /// `backgroundLimit` workers at once (one worker stays free for HTTP), and waits behind every
    /// waiting HTTP request, so a backlog of jobs cannot starve requests.
    private func acquire(background: Bool = false, _ completion: @escaping @Sendable (WorkerHandle?) -> Void) {
        enum Decision {
            case now(WorkerHandle?)
            case start
            case wait
        }
        // A worker on the caller's event loop answers there: no hop back to the caller's thread.
        let loop = localEventLoop()
        let decision: Decision = state.withLock { state in
            if state.closed { return .now(nil) }
            if background {
                guard state.backgroundRunning < backgroundLimit, state.waiters.isEmpty else {
                    state.backgroundWaiters.append(completion)
                    return .wait
                }
                if let worker = Self.takeIdle(&state, near: loop) {
                    state.backgroundRunning += 1
                    return .now(worker)
                }
                if reserveStart(&state) {
                    state.backgroundRunning += 1
                    return .start
                }
                state.backgroundWaiters.append(completion)
                return .wait
            }
            // An idle worker (on this loop if one is: its answer then needs no hop), else a new
            // one (never while one is idle: each costs memory), else a short queue behind a
            // request that is going fast, on this loop first.
            if let worker = Self.takeIdle(&state, near: loop) { return .now(worker) }
            if reserveStart(&state) { return .start }
            let candidates = state.workers.filter {
                $0.canQueue(limit: Self.pipelineDepth, freshness: Self.pipelineFreshness)
            }
            let local = candidates.filter { $0.eventLoop === loop }
            if let worker = (local.isEmpty ? candidates : local).min(by: { $0.queued < $1.queued }) {
                return .now(worker)
            }
            state.waiters.append(Waiter(loop: loop, since: DispatchTime.now().uptimeNanoseconds, take: completion))
            return .wait
        }
        switch decision {
        case .now(let worker): completion(worker)
        case .start: startWorker(background: background, near: loop, for: completion)
        case .wait: break
        }
    }

    /// An idle worker, preferably one on `loop`; never one that died meanwhile.
    private static func takeIdle(_ state: inout State, near loop: (any EventLoop)?) -> WorkerHandle? {
        if let loop, let worker = takeIdle(&state, on: loop) { return worker }
        return takeIdle(&state, on: nil)
    }

    /// An idle worker on `loop` (any loop when nil); never one that died meanwhile.
    private static func takeIdle(_ state: inout State, on loop: (any EventLoop)?) -> WorkerHandle? {
        state.idle.removeAll { $0.dead }
        guard let index = state.idle.lastIndex(where: { loop == nil || $0.eventLoop === loop }) else { return nil }
        return state.idle.remove(at: index)
    }

    /// The loop for a new worker: the one with the fewest workers, the caller's among equals, so
    /// workers spread over the loops and most requests find an idle worker on their own loop.
    private func placement(preferring preferred: (any EventLoop)?) -> any EventLoop {
        let counts = state.withLock { state in
            loops.map { loop in state.workers.filter { $0.eventLoop === loop }.count }
        }
        guard let fewest = counts.min() else { return preferred ?? MultiThreadedEventLoopGroup.singleton.next() }
        if let preferred, let index = loops.firstIndex(where: { $0 === preferred }), counts[index] == fewest {
            return preferred
        }
        return loops[counts.firstIndex(of: fewest) ?? 0]
    }

    /// The caller's event loop when it is one of the workers' group.
    private func localEventLoop() -> (any EventLoop)? {
        guard let current = MultiThreadedEventLoopGroup.currentEventLoop else { return nil }
        return loops.contains { $0 === current } ? current : nil
    }

    /// Takes a slot for a new worker when the cap allows one.
    private func reserveStart(_ state: inout State) -> Bool {
        guard state.workers.count + state.starting < configuration.maxWorkers else { return false }
        state.starting += 1
        return true
    }

    /// Launches a worker for a slot taken with `reserveStart` and hands it to `completion`.
    ///
    /// The launch (`fork`/`exec` through Foundation, and the pipes) runs on its own queue: never on
    /// the caller's thread, which may be an event loop, and never under the supervisor's lock.
    func startWorker(
        background: Bool,
        near loop: (any EventLoop)? = nil,
        for completion: @escaping @Sendable (WorkerHandle?) -> Void
    ) {
        let eventLoop = placement(preferring: loop)
        Self.launcher.async { [self] in
            var launched: WorkerHandle?
            // Closed while this waited for the launcher: start nothing (see `shutdown`).
            guard !state.withLock({ $0.closed }) else {
                state.withLock { state in
                    state.starting -= 1
                    if background { state.backgroundRunning -= 1 }
                }
                return completion(nil)
            }
            do {
                launched = try WorkerHandle(
                    configuration: configuration,
                    eventLoop: eventLoop,
                    logger: logger,
                    onRecycle: { [weak self] worker in self?.recycle(worker) },
                    onExit: { [weak self] worker in self?.workerExited(worker) }
                )
            } catch {
                logger.error("cannot start a JavaScript worker", metadata: ["error": "\(error)"])
            }
            let accepted = state.withLock { state -> Bool in
                state.starting -= 1
                guard let launched, !state.closed else {
                    if background { state.backgroundRunning -= 1 }
                    return false
                }
                state.workers.append(launched)
                return true
            }
            guard let launched, accepted else {
                // Closed meanwhile: the new process goes at once (its exit is handled as usual).
                launched?.kill(reason: .unavailable, message: "server shutdown")
                completion(nil)
                return
            }
            logger.debug("started JavaScript worker", metadata: ["worker.pid": "\(launched.pid)"])
            completion(launched)
        }
    }

    private static let launcher = DispatchQueue(label: "fazt-worker-launcher")

    /// Most requests sent to one worker at once (one running, the rest queued in its pipe).
    static let pipelineDepth = 4
    /// Only queue behind a request that started less than this long ago (20 ms).
    static let pipelineFreshness: UInt64 = 20_000_000

    /// Most job invocations running at once: all workers but one (HTTP always finds one).
    var backgroundLimit: Int { max(1, configuration.maxWorkers - 1) }

    private func release(_ worker: WorkerHandle) {
        if worker.isDraining {
            retire(worker, fromIdleListOnly: false)
            return
        }
        // A dead worker is handled by `workerExited`, which also serves waiters with a replacement.
        let waiter: (@Sendable (WorkerHandle?) -> Void)? = state.withLock { state in
            guard !worker.dead, state.workers.contains(where: { $0 === worker }) else { return nil }
            if !state.waiters.isEmpty {
                if worker.queued == 0 || worker.canQueue(limit: Self.pipelineDepth, freshness: Self.pipelineFreshness) {
                    return Self.nextWaiter(&state, for: worker).take
                }
                return nil
            }
            if worker.queued == 0, !state.backgroundWaiters.isEmpty, state.backgroundRunning < backgroundLimit {
                state.backgroundRunning += 1
                return state.backgroundWaiters.removeFirst()
            }
            if worker.queued == 0 && !state.idle.contains(where: { $0 === worker }) { state.idle.append(worker) }
            return nil
        }
        waiter?(worker)
    }

    private func workerExited(_ worker: WorkerHandle) {
        var noneLeft = false
        var gone: [@Sendable () -> Void] = []
        let handoff: Handoff? = state.withLock { state in
            state.workers.removeAll { $0 === worker }
            state.idle.removeAll { $0 === worker }
            noneLeft = state.workers.isEmpty && state.waiters.isEmpty && state.backgroundWaiters.isEmpty
            let handoff = replacement(&state)
            if state.workers.isEmpty {
                gone = state.goneWaiters
                state.goneWaiters.removeAll()
            }
            return handoff
        }
        logger.debug("JavaScript worker exited", metadata: ["worker.pid": "\(worker.pid)"])
        if let handoff { startWorker(background: handoff.background, for: handoff.waiter) }
        for body in gone { body() }
        if noneLeft { configuration.onAllWorkersGone() }
    }

    /// A slot just opened: the first waiter (HTTP before jobs), with a worker slot reserved for it
    /// (the caller launches it with `startWorker`, outside the lock).
    func replacement(_ state: inout State) -> Handoff? {
        guard !state.closed, !state.waiters.isEmpty || !state.backgroundWaiters.isEmpty else { return nil }
        if !state.waiters.isEmpty {
            guard reserveStart(&state) else { return nil }
            return Handoff(waiter: state.waiters.removeFirst().take, background: false)
        }
        guard state.backgroundRunning < backgroundLimit, reserveStart(&state) else { return nil }
        state.backgroundRunning += 1
        return Handoff(waiter: state.backgroundWaiters.removeFirst(), background: true)
    }

    /// An HTTP request waiting for a worker: the loop it came from, and since when.
    struct Waiter {
        var loop: (any EventLoop)?
        var since: UInt64
        var take: @Sendable (WorkerHandle?) -> Void
    }

    /// The waiter a freed worker serves: the oldest from the worker's own loop (its answer then
    /// needs no hop between loops), unless the oldest of all has waited past `waiterPatience`.
    private static func nextWaiter(_ state: inout State, for worker: WorkerHandle) -> Waiter {
        let oldest = state.waiters[0]
        if oldest.loop === worker.eventLoop
            || DispatchTime.now().uptimeNanoseconds - oldest.since > waiterPatience
        {
            return state.waiters.removeFirst()
        }
        guard let index = state.waiters.firstIndex(where: { $0.loop === worker.eventLoop }) else {
            return state.waiters.removeFirst()
        }
        return state.waiters.remove(at: index)
    }

    /// How long a waiter may be passed over for requests of the freed worker's loop (5 ms).
    static let waiterPatience: UInt64 = 5_000_000

    /// A waiter that gets the next worker to start.
    struct Handoff {
        var waiter: @Sendable (WorkerHandle?) -> Void
        var background: Bool
    }
}

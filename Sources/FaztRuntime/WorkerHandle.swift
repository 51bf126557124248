import FaztNet
import FaztStorage
import FaztStore
import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix

/// One `fazt __worker` child process, seen from the daemon.
///
/// Its pipes are a NIO channel on one event loop (`WorkerChannel`): frames go out without blocking
/// any thread (a large body waits in the channel's buffer, not in `write(2)`), and replies are read
/// and completed on that loop, with no reader thread in between.
final class WorkerHandle: @unchecked Sendable {
    // Safe: mutable state (`pending`, `killReason`, `dead`, `draining`, `lastUsedAt`, the pipelined
    // counters) is guarded by `lock`; `greeted` is only touched on `eventLoop`; the rest is set in
    // `init` and never changes.
    private struct Pending {
        var id: UInt64
        var timeout: UInt64
        var memoryLimit: Int?
        /// When the worker started on it (it works in order: the head has started, the rest wait).
        var startedAt: UInt64?
        /// The loop of the HTTP request that waits for this invocation (see `AICallRequest.callerLoop`).
        var callerLoop: (any EventLoop)?
        /// Gets the response frames of an invocation whose response leaves before it ends.
        var onResponse: (@Sendable (WorkerFrame) -> Void)?
        /// Nothing may queue behind it: it may go on long after its response (Workers-style).
        var exclusive = false
        var completion: @Sendable (Reply) -> Void
    }

    /// What came back for one request: the worker's answer, or why the worker is gone.
    enum Reply: Sendable {
        case result(WorkerFrame.InvokeResult)
        case checked(WorkerFrame.Checked)
        case lost(kind: InvocationFailure.Kind, message: String)
    }

    let pid: Int32
    /// The loop that owns the worker's channel (its replies complete there).
    let eventLoop: any EventLoop
    private let process: Process
    private let channel: any Channel
    let lock = NSLock()
    private var pending: [Pending] = []
    private var killReason: InvocationFailure.Kind?
    private(set) var dead = false
    private var greeted = false
    /// The worker asked to be replaced: it takes no new work and retires once idle.
    private var draining = false
    private let onRecycle: @Sendable (WorkerHandle) -> Void
    private let onExit: @Sendable (WorkerHandle) -> Void
    private var lastUsedAt = DispatchTime.now().uptimeNanoseconds
    private let logger: Logger
    private let logSink: @Sendable (String, String, String) -> Void
    let egress: EgressPolicy
    let egressRules: (@Sendable (String) -> HostAllowlist?)?
    let egressLimits: EgressLimits
    let egressRecorder: (@Sendable (EgressRecord) -> Void)?
    let credentials: (any OutboundCredentials)?
    let ai: (any AIService)?
    let storage: StorageService?
    let kernelCalls:
        (@Sendable (StorageCall, @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) -> Void)?
    /// `fazt.ai` calls (`call` and `stream` modes) still running, by id: stopped when the
    /// invocation that made them ends (nobody is left to read their answer).
    var runningAI: [UInt64: @Sendable () -> Void] = [:]
    /// Failures of pipelined writes (`kv.set`) by number, until the invocation that sent them ends.
    private var pipelinedErrors: [UInt64: StorageError] = [:]
    /// Numbers finished ahead of an earlier one (a write refused at once as `BUSY` finishes before
    /// the writes queued ahead of it).
    private var pipelinedFinishedEarly: Set<UInt64> = []
    /// Pipelined writes handed to the writer (numbered in order), how far all are finished, and who
    /// waits for which.
    private var pipelinedSent: UInt64 = 0
    private var pipelinedApplied: UInt64 = 0
    private var pipelinedWaiters = WaiterList()

    /// Starts the process and its channel on `eventLoop`.
    ///
    /// `onExit` runs once when the worker is gone, `onRecycle` when it asks to be replaced. Blocks
    /// while the process launches: call it off event loops.
    init(
        configuration: RuntimeConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        onRecycle: @escaping @Sendable (WorkerHandle) -> Void,
        onExit: @escaping @Sendable (WorkerHandle) -> Void
    ) throws {
        let toWorker = Pipe()
        let fromWorker = Pipe()
        // Close-on-exec everywhere: a worker started later must not inherit this one's stdin (it
        // would keep the pipe open, and this worker would never see EOF when retired). The child's
        // own ends become its fds 0 and 1, which do not inherit the flag.
        for handle in [
            toWorker.fileHandleForReading, toWorker.fileHandleForWriting,
            fromWorker.fileHandleForReading, fromWorker.fileHandleForWriting,
        ] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: configuration.executable)
        process.arguments = [
            "__worker", "--data", configuration.dataPath,
            "--storage-quota-bytes", String(configuration.storage?.quotaBytes ?? 1 << 30),
            "--memory-budget-bytes", String(configuration.workerMemoryLimit / 2),
        ]
        process.standardInput = toWorker
        process.standardOutput = fromWorker
        process.standardError = FileHandle.standardError
        let process = self.process
        try ProcessLauncher.run(process)
        pid = process.processIdentifier
        self.eventLoop = eventLoop
        self.logger = logger
        self.onRecycle = onRecycle
        self.onExit = onExit
        self.logSink = configuration.logSink
        self.egress = configuration.egress
        self.egressRules = configuration.egressRules
        self.egressLimits = configuration.egressLimits
        self.egressRecorder = configuration.egressRecorder
        self.credentials = configuration.credentials
        self.ai = configuration.ai
        self.storage = configuration.storage
        self.kernelCalls = configuration.kernelCalls
        // The channel takes its own copies of the daemon's ends; Foundation's handles close theirs.
        let input = fcntl(fromWorker.fileHandleForReading.fileDescriptor, F_DUPFD_CLOEXEC, 0)
        let output = fcntl(toWorker.fileHandleForWriting.fileDescriptor, F_DUPFD_CLOEXEC, 0)
        try? fromWorker.fileHandleForReading.close()
        try? toWorker.fileHandleForWriting.close()
        let inbound = WorkerInboundBox()
        do {
            guard input >= 0, output >= 0 else {
                throw InvocationFailure(kind: .internal, message: "dup: errno \(errno)")
            }
            channel = try NIOPipeBootstrap(group: eventLoop)
                .channelOption(.autoRead, value: false)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(
                                WorkerFrameDecoder(),
                                maximumBufferSize: WorkerProtocol.maxFrameBytes + 4
                            ),
                            WorkerInboundHandler(
                                received: { inbound.worker?.received($0) },
                                failed: {
                                    inbound.worker?.kill(reason: .crash, message: "the worker spoke garbage: \($0)")
                                },
                                closed: {
                                    if let worker = inbound.worker {
                                        worker.channelClosed()
                                    } else {
                                        inbound.closedEarly = true
                                    }
                                }
                            )
                        )
                    }
                }
                .takingOwnershipOfDescriptors(input: input, output: output)
                .wait()
        } catch {
            if input >= 0 { close(input) }
            if output >= 0 { close(output) }
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw error
        }
        // Reading starts only now that frames have somewhere to go. The channel may already be
        // closed (a worker that exits at once closes its stdin, which the channel also watches).
        let channel = self.channel
        eventLoop.execute { [self] in
            inbound.worker = self
            if inbound.closedEarly {
                channelClosed()
                return
            }
            do {
                try channel.syncOptions?.setOption(.autoRead, value: true)
            } catch {
                kill(reason: .crash, message: "cannot read from the worker: \(error)")
            }
        }
    }

    // MARK: Frames from the worker (on `eventLoop`)

    private func received(_ frame: WorkerFrame) {
        if case .hello(let hello) = frame {
            guard hello.protocolVersion == WorkerProtocol.version else {
                kill(reason: .crash, message: "the worker speaks protocol \(hello.protocolVersion)")
                return
            }
            greeted = true
            return
        }
        guard greeted else {
            kill(reason: .crash, message: "the worker did not say hello first")
            return
        }
        switch frame {
        case .result(let result): complete(id: result.id, reply: .result(result))
        case .checked(let checked): complete(id: checked.id, reply: .checked(checked))
        case .fetch(let fetch):
            var policy = egress
            policy.allowedHosts = egressRules?(fetch.app)
            FetchCall(fetch, policy: policy, limits: egressLimits, record: egressRecorder) { [self] in
                send(.fetched($0))
            }
            .start(credentials: credentials)
        case .store(let store): handleStore(store)
        case .ai(let start): startAI(start)
        case .aiCancel(let id):
            let stop = lock.withLock { runningAI.removeValue(forKey: id) }
            stop?()
        case .log(let log): logSink(log.app, log.level, log.message)
        case .responseStart(let start): responded(id: start.id, frame, started: true)
        case .responseChunk(let chunk): responded(id: chunk.id, frame, started: false)
        case .responseEnd(let end): responded(id: end.id, frame, started: false)
        case .recycle:
            // Over its memory budget: finish what it has, then be replaced (see `Supervisor`).
            lock.withLock { draining = true }
            onRecycle(self)
        case .hello, .invoke, .warm, .check, .stored, .fetched, .aiEvent, .aiDone:
            kill(reason: .crash, message: "unexpected \(frame.name) frame from the worker")
        }
    }

    /// The process is gone (or its channel is): roll back its open transaction, fail whatever it
    /// was doing, and report the exit once the process is reaped.
    private func channelClosed() {
        storage?.abandon(owner: pid)
        let (queued, reason, orphans) = lock.withLock {
            dead = true
            defer {
                pending.removeAll()
                runningAI.removeAll()
            }
            return (pending, killReason, Array(runningAI.values))
        }
        for stop in orphans { stop() }
        // Requests queued behind the one that was running never started: 503, not the app's fault.
        for waiting in queued.dropFirst() {
            waiting.completion(.lost(kind: .unavailable, message: "the JavaScript worker was restarted; try again"))
        }
        if let inFlight = queued.first {
            let kind = reason ?? .crash
            let message: String
            switch kind {
            case .timeout: message = "the handler ran past its time limit"
            case .memory: message = "the handler used more memory than allowed"
            case .unavailable: message = "the server is shutting down; try again"
            default: message = "the JavaScript worker crashed"
            }
            inFlight.completion(.lost(kind: kind, message: message))
        }
        let process = self.process
        Self.reaper.async { [self] in
            process.waitUntilExit()
            onExit(self)
        }
    }

    private static let reaper = DispatchQueue(label: "fazt-worker-reaper")

    /// Hands a response frame of the running invocation to its caller; the first one gives the
    /// invocation `WorkerProtocol.afterResponseMs` more before the watchdog kills it.
    private func responded(id: UInt64, _ frame: WorkerFrame, started: Bool) {
        let target: (@Sendable (WorkerFrame) -> Void)? = lock.withLock {
            guard let current = pending.first, current.id == id else { return nil }
            if started, let startedAt = current.startedAt {
                let elapsed = DispatchTime.now().uptimeNanoseconds &- startedAt
                let more = UInt64(WorkerProtocol.afterResponseMs + 250) * 1_000_000
                pending[0].timeout = max(current.timeout, elapsed + more)
            }
            if started { pending[0].exclusive = true }
            return current.onResponse
        }
        target?(frame)
    }

    /// The caller's loop of the invocation the worker is running (it runs them in order).
    var runningCallerLoop: (any EventLoop)? { lock.withLock { pending.first?.callerLoop } }

    private func complete(id: UInt64, reply: Reply) {
        lock.lock()
        guard let current = pending.first, current.id == id else {
            lock.unlock()
            return
        }
        pending.removeFirst()
        let now = DispatchTime.now().uptimeNanoseconds
        lastUsedAt = now
        if !pending.isEmpty { pending[0].startedAt = now }
        let orphans = runningAI.values
        runningAI.removeAll()
        lock.unlock()
        for stop in orphans { stop() }
        current.completion(reply)
    }

    // MARK: Frames to the worker

    /// Writes a frame that answers the worker (`stored`, `fetched`), from any thread.
    func send(_ frame: WorkerFrame) {
        guard let buffer = encoded(frame) else { return }
        // At once on the loop, else as a task (NIO's own rule for writes from other threads).
        channel.writeAndFlush(buffer, promise: nil)
    }

    private func encoded(_ frame: WorkerFrame) -> ByteBuffer? {
        do {
            return try WorkerFrameDecoder.frame(frame, allocator: channel.allocator)
        } catch {
            kill(reason: .crash, message: "cannot encode a frame: \(error)")
            return nil
        }
    }

    /// Sends one request; `completion` gets its reply (or the worker's death) on `eventLoop`.
    func exchange(
        _ frame: WorkerFrame,
        id: UInt64,
        timeoutMs: Int,
        memoryLimit: Int? = nil,
        callerLoop: (any EventLoop)? = nil,
        onResponse: (@Sendable (WorkerFrame) -> Void)? = nil,
        exclusive: Bool = false,
        completion: @escaping @Sendable (Reply) -> Void
    ) {
        guard let buffer = encoded(frame) else {
            completion(.lost(kind: .crash, message: "the JavaScript worker exited"))
            return
        }
        let request = Pending(
            id: id,
            timeout: UInt64(timeoutMs) * 1_000_000,
            memoryLimit: memoryLimit,
            startedAt: nil,
            callerLoop: callerLoop,
            onResponse: onResponse,
            exclusive: exclusive,
            completion: completion
        )
        // The queue must match the order frames reach the worker (it answers in order), so both
        // happen on the channel's loop: at once when called there (the frame leaves now, not after
        // the loop's other work), else as a task.
        if eventLoop.inEventLoop {
            enqueue(request, buffer)
        } else {
            eventLoop.execute { [self] in enqueue(request, buffer) }
        }
    }

    /// Queues a request and writes its frame; on `eventLoop`.
    private func enqueue(_ request: Pending, _ buffer: ByteBuffer) {
        let queued: Bool = lock.withLock {
            guard !dead else { return false }
            var request = request
            if pending.isEmpty { request.startedAt = DispatchTime.now().uptimeNanoseconds }
            pending.append(request)
            return true
        }
        guard queued else {
            // The worker died before this request was queued: nobody else will answer it.
            request.completion(.lost(kind: .crash, message: "the JavaScript worker exited"))
            return
        }
        // One flush per loop tick: requests dispatched while the loop handles a batch of sockets
        // leave in one write (one wake-up of the worker, which reads them together).
        channel.write(buffer, promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.execute { [self] in
            flushScheduled = false
            channel.flush()
        }
    }

    /// A flush of queued requests is scheduled for the end of this loop tick (on `eventLoop`).
    private var flushScheduled = false

    /// Kills the process (SIGKILL); the channel's close then fails the in-flight invocation with `reason`.
    func kill(reason: InvocationFailure.Kind, message: String) {
        let alreadyDead = lock.withLock {
            if killReason == nil { killReason = reason }
            return dead
        }
        // A process already reaped may have lent its pid to another process (pid_max is 32768 on
        // small VMs): signal it only while it is still our child.
        guard !alreadyDead, ProcessMemory.isOwnChild(pid) else { return }
        if reason == .unavailable {
            // An ordered stop (server shutdown), not a fault.
            logger.info("stopping JavaScript worker", metadata: ["worker.pid": "\(pid)", "detail": "\(message)"])
        } else {
            logger.warning(
                "killing JavaScript worker",
                metadata: ["worker.pid": "\(pid)", "reason": "\(reason)", "detail": "\(message)"]
            )
        }
        Glibc.kill(pid, SIGKILL)
    }

    /// Asks an idle worker to exit by closing its input (after anything already queued).
    func retire() {
        let channel = self.channel
        eventLoop.execute { channel.close(mode: .output, promise: nil) }
    }

    // MARK: Pipelined writes

    /// Numbers a pipelined write and returns a callback for its outcome.
    func pipelinedWriteSent() -> @Sendable (Result<StorageResult, StorageError>) -> Void {
        let number = lock.withLock {
            pipelinedSent += 1
            return pipelinedSent
        }
        return { [self] result in
            let ready = lock.withLock {
                if case .failure(let error) = result { pipelinedErrors[number] = error }
                // Applied writes finish in order; a refused one may finish early. Advance only
                // over numbers that are all finished.
                pipelinedFinishedEarly.insert(number)
                while pipelinedFinishedEarly.remove(pipelinedApplied + 1) != nil { pipelinedApplied += 1 }
                return pipelinedWaiters.take(upTo: pipelinedApplied)
            }
            for body in ready { body() }
        }
    }

    /// Runs `body` once every pipelined write received so far has finished, with the first
    /// failure among them (if any).
    ///
    /// Called on `eventLoop` when a result arrives, so it covers exactly the writes sent before
    /// that result: that invocation's, and earlier ones' (whose failures earlier results already took).
    func afterPipelinedWrites(_ body: @escaping @Sendable (StorageError?) -> Void) {
        lock.lock()
        let through = pipelinedSent
        let run: @Sendable () -> Void = { [self] in
            let error = lock.withLock {
                let failed = pipelinedErrors.keys.filter { $0 <= through }.sorted()
                let error = failed.first.flatMap { pipelinedErrors[$0] }
                for number in failed { pipelinedErrors[number] = nil }
                return error
            }
            body(error)
        }
        guard pipelinedApplied < through else {
            lock.unlock()
            run()
            return
        }
        pipelinedWaiters.add(through: through, run)
        lock.unlock()
    }

    // MARK: State for the supervisor

    /// Deadline of the running request, if any.
    var busyDeadline: UInt64? {
        lock.withLock {
            guard let head = pending.first, let started = head.startedAt else { return nil }
            return started + head.timeout
        }
    }

    /// The memory cap of the running request, if it has its own.
    var busyMemoryLimit: Int? { lock.withLock { pending.first?.memoryLimit } }

    /// True when another request may queue behind the running one: fewer than `limit` queued and
    /// the running one started less than `freshness` ago (never queue behind a slow handler).
    func canQueue(limit: Int, freshness: UInt64) -> Bool {
        lock.withLock {
            guard !dead, !draining, pending.count < limit, !pending.contains(where: \.exclusive) else { return false }
            guard let started = pending.first?.startedAt else { return true }
            let now = DispatchTime.now().uptimeNanoseconds
            return now < started || now - started < freshness
        }
    }

    /// Whether the worker asked to be replaced (or the supervisor retires it).
    var isDraining: Bool { lock.withLock { draining } }

    /// Takes no new work; the supervisor retires it once what it has is done.
    func drain() { lock.withLock { draining = true } }

    /// Requests sent and not yet answered.
    var queued: Int { lock.withLock { pending.count } }

    var idleSince: UInt64 { lock.withLock { lastUsedAt } }

    /// Resident memory of its own in bytes (without the shared executable's pages; what the
    /// memory cap holds), or 0 when unknown.
    var ownResidentBytes: Int { ProcessMemory.ownResidentBytes(of: pid) }
}

/// Lets the channel's handler reach its `WorkerHandle`, which exists only after the channel does.
private final class WorkerInboundBox: @unchecked Sendable {
    // Safe: both are only touched on the channel's event loop.
    // Strong: the channel keeps its worker until it closes (its pipeline is then torn down).
    var worker: WorkerHandle?
    /// The channel closed before `worker` was set.
    var closedEarly = false
}

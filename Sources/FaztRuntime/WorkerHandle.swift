import FaztNet
import FaztStorage
import FaztStore
import Foundation
import Glibc
import Logging

/// One `fazt __worker` child process, seen from the daemon.
final class WorkerHandle: @unchecked Sendable {
    // Safe: mutable state (`pending`, `killReason`, `dead`, `lastUsedAt`) is guarded by `lock`;
    // `process`, `writer` and `pid` are set in `init` and never change.
    private struct Pending {
        var id: UInt64
        var timeout: UInt64
        var memoryLimit: Int?
        /// When the worker started on it (it works in order: the head has started, the rest wait).
        var startedAt: UInt64?
        var completion: @Sendable (Reply) -> Void
    }

    /// What came back for one request: the worker's message, or why the worker is gone.
    enum Reply {
        case message(WorkerMessage)
        case lost(kind: InvocationFailure.Kind, message: String)
    }

    let pid: Int32
    private static let launchLock = NSLock()
    private let process: Process
    private let writer: FrameWriter
    private let input: FileHandle
    private let lock = NSLock()
    private var pending: [Pending] = []
    private var killReason: InvocationFailure.Kind?
    private(set) var dead = false
    /// The worker asked to be replaced: it takes no new work and retires once idle.
    private var draining = false
    private let onRecycle: @Sendable (WorkerHandle) -> Void
    private var lastUsedAt = DispatchTime.now().uptimeNanoseconds
    private let logger: Logger
    private let logSink: @Sendable (String, String, String) -> Void
    private let egress: EgressPolicy
    private let storage: StorageService?
    private let kernelCalls:
        (@Sendable (StorageCall, @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) -> Void)?
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

    /// Starts the process and its reader thread; `onExit` runs once when the worker is gone,
    /// `onRecycle` when it asks to be replaced.
    init(
        configuration: RuntimeConfiguration,
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
        // One launch at a time: Foundation's `Process.run` is not safe against concurrent launches.
        let process = self.process
        try Self.launchLock.withLock { try process.run() }
        pid = process.processIdentifier
        input = toWorker.fileHandleForWriting
        writer = FrameWriter(fd: input.fileDescriptor)
        self.logger = logger
        self.onRecycle = onRecycle
        self.logSink = configuration.logSink
        self.egress = configuration.egress
        self.storage = configuration.storage
        self.kernelCalls = configuration.kernelCalls
        let output = fromWorker.fileHandleForReading
        let thread = Thread { [self] in
            self.readLoop(FrameReader(fd: output.fileDescriptor))
            try? output.close()
            onExit(self)
        }
        thread.name = "fazt-worker-\(pid)"
        thread.start()
    }

    private func readLoop(_ reader: FrameReader) {
        var greeted = false
        while true {
            let message: WorkerMessage?
            do {
                message = try reader.next()
            } catch {
                kill(reason: .crash, message: "the worker spoke garbage: \(error)")
                break
            }
            guard let message else { break }
            switch message.type {
            case "hello":
                guard message.protocolVersion == WorkerProtocol.version else {
                    kill(reason: .crash, message: "the worker speaks protocol \(message.protocolVersion ?? -1)")
                    break
                }
                greeted = true
            case "result" where greeted:
                complete(id: message.id, reply: .message(message))
            case "fetch" where greeted:
                let writer = self.writer
                Self.startFetch(message, policy: egress) { reply in try? writer.send(reply) }
            case "store" where greeted:
                handleStore(message)
            case "log" where greeted:
                logSink(message.app ?? "?", message.level ?? "info", message.message ?? "")
            case "recycle" where greeted:
                // Over its memory budget: finish what it has, then be replaced (see `Supervisor`).
                lock.lock()
                draining = true
                lock.unlock()
                onRecycle(self)
            default:
                kill(reason: .crash, message: "unexpected \(message.type) frame from the worker")
            }
        }
        // The process is gone (or its channel is): roll back its open transaction, fail whatever it
        // was doing.
        storage?.abandon(owner: pid)
        lock.lock()
        dead = true
        let queued = pending
        pending.removeAll()
        let reason = killReason
        lock.unlock()
        process.waitUntilExit()
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
    }

    /// Runs a worker's storage write or transaction step on the daemon's writer; the `stored`
    /// reply goes straight back to the worker from the writer thread.
    private func handleStore(_ message: WorkerMessage) {
        let writer = self.writer
        let id = message.id
        let reply: @Sendable (Result<StorageResult, StorageError>) -> Void = { result in
            var answer = WorkerMessage(type: "stored", id: id)
            switch result {
            case .success(let value):
                answer.request = value.json
                answer.body = value.data
            case .failure(let error):
                answer.code = error.code.rawValue
                answer.message = error.message
            }
            try? writer.send(answer)
        }
        let done: @Sendable (StorageError?) -> Void = { error in
            reply(error.map { .failure($0) } ?? .success(StorageResult(json: "null")))
        }
        guard let storage, let app = message.app, let name = message.op else {
            reply(.failure(StorageError(.internalError, "storage is not available")))
            return
        }
        let op: StorageOp
        do throws(StorageError) {
            op = try StorageOp(named: name)
        } catch {
            reply(.failure(error))
            return
        }
        let call = StorageCall(op: op, app: app, args: message.args ?? [], data: message.body)
        if call.isKernel {
            guard let kernelCalls else {
                reply(.failure(StorageError(.internalError, "\(name) is not available")))
                return
            }
            kernelCalls(call, reply)
            return
        }
        if message.storage == true {
            // Pipelined: the worker did not wait. A failure fails the invocation's response instead
            // (see `afterPipelinedWrites`).
            lock.lock()
            pipelinedSent += 1
            let number = pipelinedSent
            lock.unlock()
            storage.perform(call) { [self] result in
                lock.lock()
                if case .failure(let error) = result { pipelinedErrors[number] = error }
                // Applied writes finish in order; a refused one may finish early. Advance only
                // over numbers that are all finished.
                pipelinedFinishedEarly.insert(number)
                while pipelinedFinishedEarly.remove(pipelinedApplied + 1) != nil { pipelinedApplied += 1 }
                let ready = pipelinedWaiters.take(upTo: pipelinedApplied)
                lock.unlock()
                for body in ready { body() }
            }
            return
        }
        switch (op, message.session) {
        case (.txBegin, let session?):
            storage.begin(owner: pid, session: session, timeoutMs: message.timeoutMs ?? 5000, begun: done)
        case (.txCommit, let session?), (.txRollback, let session?):
            storage.end(owner: pid, session: session, commit: op == .txCommit, done: done)
        case (_, let session?):
            storage.perform(call, owner: pid, session: session, reply: reply)
        case (_, nil):
            storage.perform(call, reply: reply)
        }
    }

    /// Runs `body` once every pipelined write received so far has finished, with the first
    /// failure among them (if any).
    ///
    /// Called on the reader thread when a result arrives, so it covers exactly the writes sent
    /// before that result: that invocation's, and earlier ones' (whose failures earlier results
    /// already took).
    func afterPipelinedWrites(_ body: @escaping @Sendable (StorageError?) -> Void) {
        lock.lock()
        let through = pipelinedSent
        let run: @Sendable () -> Void = { [self] in
            lock.lock()
            let failed = pipelinedErrors.keys.filter { $0 <= through }.sorted()
            let error = failed.first.flatMap { pipelinedErrors[$0] }
            for number in failed { pipelinedErrors[number] = nil }
            lock.unlock()
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

    /// Starts a worker's `fetch` on the daemon's egress loop; `send` gets the `fetched` reply.
    static func startFetch(
        _ message: WorkerMessage,
        policy: EgressPolicy,
        send: @escaping @Sendable (WorkerMessage) -> Void
    ) {
        var reply = WorkerMessage(type: "fetched", id: message.id)
        guard let json = message.request?.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let url = object["url"] as? String
        else {
            reply.message = "fetch: malformed request"
            send(reply)
            return
        }
        let headers = (object["headers"] as? [[String]] ?? []).compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
        var body: [UInt8]?
        if let text = object["body"] as? String {
            body = object["base64"] as? Bool == true ? Data(base64Encoded: text).map { [UInt8]($0) } : Array(text.utf8)
        }
        let request = EgressRequest(
            url: url,
            method: object["method"] as? String ?? "GET",
            headers: headers,
            body: body
        )
        let id = message.id
        EgressLoop.shared.submit(request, policy: policy) { result in
            var reply = WorkerMessage(type: "fetched", id: id)
            switch result {
            case .success(let response):
                reply.status = response.status
                reply.headers = response.headers
                reply.body = response.body
                reply.file = response.url
            case .failure(let error):
                reply.message = error.message
            }
            send(reply)
        }
    }

    /// Turns an invocation's reply into its result.
    static func result(_ reply: Reply) -> InvocationResult {
        guard case .message(let message) = reply else {
            if case .lost(let kind, let text) = reply { return .failure(InvocationFailure(kind: kind, message: text)) }
            return .failure(InvocationFailure(kind: .internal, message: "no reply"))
        }
        if let failure = message.failure {
            return .failure(failure)
        }
        guard let status = message.status else {
            return .failure(InvocationFailure(kind: .internal, message: "the worker sent a malformed response"))
        }
        return .response(InvocationResponse(status: status, headers: message.headers ?? [], body: message.body ?? []))
    }

    private func complete(id: UInt64?, reply: Reply) {
        lock.lock()
        guard let current = pending.first, current.id == id else {
            lock.unlock()
            return
        }
        pending.removeFirst()
        let now = DispatchTime.now().uptimeNanoseconds
        lastUsedAt = now
        if !pending.isEmpty { pending[0].startedAt = now }
        lock.unlock()
        current.completion(reply)
    }

    /// Sends one request; `completion` gets its reply (or the worker's death), on the reader thread.
    func exchange(
        _ message: WorkerMessage,
        timeoutMs: Int,
        memoryLimit: Int? = nil,
        completion: @escaping @Sendable (Reply) -> Void
    ) {
        lock.lock()
        if dead {
            lock.unlock()
            completion(.lost(kind: .crash, message: "the JavaScript worker exited"))
            return
        }
        lock.unlock()
        var queued = false
        do {
            // The queue must match the order frames reach the worker (it answers in order), so the
            // request is queued under the writer's lock; the reader thread never needs that lock.
            try writer.send(message) { [self] in
                lock.lock()
                guard !dead else {
                    lock.unlock()
                    return
                }
                queued = true
                let now = DispatchTime.now().uptimeNanoseconds
                pending.append(
                    Pending(
                        id: message.id ?? 0,
                        timeout: UInt64(timeoutMs) * 1_000_000,
                        memoryLimit: memoryLimit,
                        startedAt: pending.isEmpty ? now : nil,
                        completion: completion
                    )
                )
                lock.unlock()
            }
        } catch {
            kill(reason: .crash, message: "cannot reach the worker: \(error)")
        }
        // The worker died before this request was queued: nobody else will answer it.
        if !queued { completion(.lost(kind: .crash, message: "the JavaScript worker exited")) }
    }

    /// Kills the process (SIGKILL); the reader thread then fails the in-flight invocation with `reason`.
    func kill(reason: InvocationFailure.Kind, message: String) {
        lock.lock()
        if killReason == nil { killReason = reason }
        let alreadyDead = dead
        lock.unlock()
        guard !alreadyDead else { return }
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

    /// Asks an idle worker to exit by closing its input.
    func retire() {
        try? input.close()
    }

    /// Deadline of the running request, if any.
    var busyDeadline: UInt64? {
        lock.lock()
        defer { lock.unlock() }
        guard let head = pending.first, let started = head.startedAt else { return nil }
        return started + head.timeout
    }

    /// The RSS cap of the running request, if it has its own.
    var busyMemoryLimit: Int? {
        lock.lock()
        defer { lock.unlock() }
        return pending.first?.memoryLimit
    }

    /// True when another request may queue behind the running one: fewer than `limit` queued and
    /// the running one started less than `freshness` ago (never queue behind a slow handler).
    func canQueue(limit: Int, freshness: UInt64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !dead, !draining, pending.count < limit else { return false }
        guard let started = pending.first?.startedAt else { return true }
        let now = DispatchTime.now().uptimeNanoseconds
        return now < started || now - started < freshness
    }

    /// Whether the worker asked to be replaced.
    var isDraining: Bool {
        lock.lock()
        defer { lock.unlock() }
        return draining
    }

    /// Requests sent and not yet answered.
    var queued: Int {
        lock.lock()
        defer { lock.unlock() }
        return pending.count
    }

    var idleSince: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return lastUsedAt
    }

    /// Resident memory in bytes, or 0 when unknown.
    var residentBytes: Int { ProcessMemory.residentBytes(of: pid) }
}

import CJavaScriptCore
import FaztStorage
import FaztStore
import FaztVFS
import Foundation

/// The worker process side: app contexts (a cache, never state) and the invocation loop.
final class WorkerRuntime {
    /// Replaced after a termination: JavaScriptCore leaves a terminated VM unusable.
    private(set) var engine = JSEngine()
    /// The TypeScript compiler, loaded by the first module that needs it (dropped with the engine).
    var transformer: Result<ModuleTransformer, ModuleTransformError>?
    let database: Connection
    let writer: FrameWriter
    let reader: FrameReader
    /// Frames that arrived while an invocation waited for a fetch (pipelined requests): served next.
    var deferred: [WorkerFrame] = []
    /// Answers to `fetch` and `fazt.ai` (`fetched`, `aiEvent`, `aiDone`) that arrived while a
    /// storage call waited for the daemon.
    var inbox: [WorkerFrame] = []
    var storageSequence: UInt64 = 0
    /// The open `fazt.storage.transaction` session, if any.
    var session: UInt64?
    /// Whether the current invocation used storage (its response waits until that is durable).
    var touchedStorage = false
    /// When the running invocation must end; pushed back once its response has started
    /// (`WorkerProtocol.afterResponseMs`).
    var invocationDeadline: UInt64 = 0
    /// The running invocation (its response frames carry the id).
    var invocationID: UInt64 = 0
    /// The running invocation's response has started (it can no longer answer another way).
    var responseStarted = false
    /// This invocation sent pipelined writes (`kv.set`) not yet confirmed applied: a local read
    /// first waits for them (read your own writes).
    var pipelinedWrites = false
    /// The server's default per-app storage quota (checked before pipelined writes).
    let quotaBytes: Int64
    /// Per app: headroom under the quota at the last check, bytes written since, and when.
    var quotaChecks: [String: (headroom: Int64, written: Int64, at: UInt64)] = [:]
    /// Console output of the current invocation, when the daemon asked for it (jobs, events).
    private var captured: String?
    /// Most bytes of console output kept per invocation.
    static let maxCapturedBytes = 8 << 10
    private var contexts: [String: AppContext] = [:]
    private var lastUse: [String: UInt64] = [:]
    private var clock: UInt64 = 0
    /// Most source bytes loaded by the contexts of one worker before the least recent is dropped.
    static let contextByteBudget = 32 << 20
    /// Most app contexts kept alive in one worker.
    let maxContexts: Int
    /// Resident bytes above which the worker asks to be replaced (half the supervisor's kill limit:
    /// a worker that slowly fills up with many apps' contexts must be retired between
    /// invocations, not killed in the middle of someone's).
    let memoryBudget: Int
    /// Invocations since resident memory was last read.
    private var sinceMemoryCheck = 0
    /// This worker asked to be replaced.
    private var recycleRequested = false
    /// Resident bytes at the first check (after the first invocation, with one context).
    private var memoryBaseline = 0

    init(
        dataPath: String,
        reader: FrameReader,
        writer: FrameWriter,
        maxContexts: Int = 64,
        quotaBytes: Int64 = 1 << 30,
        memoryBudget: Int = 128 << 20
    ) throws {
        self.quotaBytes = quotaBytes
        self.memoryBudget = memoryBudget
        self.reader = reader
        self.database = try Connection(path: dataPath, readOnly: true)
        try database.execute("PRAGMA query_only=ON")
        self.writer = writer
        self.maxContexts = maxContexts
    }

    /// Runs one invocation to completion (or failure) and returns the reply.
    func invoke(_ message: WorkerFrame.Invoke) -> WorkerFrame {
        let app = message.app
        var reply = WorkerFrame.InvokeResult(
            id: message.id,
            outcome: .failure(InvocationFailure(kind: .internal, message: "no outcome"))
        )
        let timeout = Double(message.timeoutMs) / 1000
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1_000_000_000)
        invocationDeadline = deadline
        invocationID = message.id
        responseStarted = false
        touchedStorage = false
        // Read-your-writes is per invocation: an earlier invocation's pipelined writes are applied
        // before its response leaves, so no client can have seen them yet when this one reads.
        pipelinedWrites = false
        captured = message.capture ? "" : nil
        defer { captured = nil }
        do {
            let context = try self.context(app: app, version: message.version)
            let outcome = run(
                context,
                file: message.file,
                request: message.request,
                body: message.body,
                deadline: deadline
            )
            switch outcome {
            case .success(let answer):
                reply.outcome = .response(
                    status: answer.status,
                    headers: .init(pairs: answer.headers),
                    body: answer.body
                )
            case .failure(let failure):
                reply.outcome = .failure(failure)
                if JSEngine.terminated { resetEngine() }
            }
        } catch let failure as InvocationFailure {
            reply.outcome = .failure(failure)
        } catch {
            reply.outcome = .failure(InvocationFailure(kind: .internal, message: "\(error)"))
        }
        // A transaction the handler left open (it threw past it or timed out) is rolled back.
        if session != nil { _ = storage(StorageCall(op: .txRollback, app: app, args: [])) }
        reply.usedStorage = touchedStorage
        reply.output = captured
        return .result(reply)
    }

    private func run(
        _ context: AppContext,
        file: String,
        request: String,
        body: [UInt8]?,
        deadline _: UInt64
    ) -> Result<(status: Int, headers: [(String, String)], body: [UInt8]), InvocationFailure> {
        guard let invoke = context.invokeFunction else {
            return .failure(InvocationFailure(kind: .internal, message: "the runtime prelude is missing"))
        }
        context.outcome = nil
        context.timers.removeAll()
        // Answers to an earlier invocation's unawaited fetch or AI call are not this one's to wait for.
        context.pendingFetches.removeAll()
        context.pendingAI.removeAll()
        defer {
            context.timers.removeAll()
            // Never re-enter a context that JavaScriptCore just terminated: it aborts the process.
            // Such a context is evicted instead (see `invoke`).
            if !JSEngine.terminated, let clear = context.clearTimersFunction {
                _ = try? context.context.call(clear, [])
            }
            engine.clearTimeLimit()
        }
        func remaining() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            return invocationDeadline > now ? Double(invocationDeadline - now) / 1e9 : 0
        }
        do throws(JSException) {
            engine.setTimeLimit(seconds: max(0.001, remaining()))
            let ctx = context.context
            try ctx.call(
                invoke,
                making: { ctx.string(file) },
                { ctx.string(request) },
                { body.map { ctx.arrayBuffer($0) } ?? ctx.null }
            )
            while context.outcome == nil {
                if JSEngine.terminated { return .failure(Self.timeout) }
                let next = context.timers.min(by: { $0.value < $1.value })
                guard next != nil || context.awaitsDaemon else {
                    return .failure(
                        InvocationFailure(
                            kind: .exception,
                            message: "the handler never finished: its promise never settled and nothing is pending"
                        )
                    )
                }
                let now = DispatchTime.now().uptimeNanoseconds
                if let (id, due) = next, due <= now {
                    context.timers[id] = nil
                    engine.setTimeLimit(seconds: max(0.001, remaining()))
                    if let fire = context.fireTimerFunction {
                        try context.context.call(fire, [context.context.number(Double(id))])
                    }
                    continue
                }
                guard now < invocationDeadline,
                    next.map({ $0.value < invocationDeadline }) ?? true || context.awaitsDaemon
                else {
                    return .failure(Self.timeout)
                }
                let until = min(next?.value ?? invocationDeadline, invocationDeadline)
                if !context.awaitsDaemon {
                    usleep(UInt32(min(1_000_000, (until - now) / 1000)))
                } else if let frame = inbox.isEmpty ? try? awaitFrame(until: until) : inbox.removeFirst() {
                    if case .aiEvent(let event) = frame {
                        engine.setTimeLimit(seconds: max(0.001, remaining()))
                        try deliverAIEvent(event, to: context)
                        continue
                    }
                    if case .aiDone(let done) = frame {
                        engine.setTimeLimit(seconds: max(0.001, remaining()))
                        try deliverAIDone(done, to: context)
                        continue
                    }
                    guard case .fetched(let fetched) = frame else {
                        deferred.append(frame)
                        continue
                    }
                    let id = Int(clamping: fetched.id)
                    guard context.pendingFetches.remove(id) != nil, let done = context.fetchDoneFunction else {
                        continue
                    }
                    let ctx = context.context
                    engine.setTimeLimit(seconds: max(0.001, remaining()))
                    switch fetched.outcome {
                    case .response(let status, let headers, let body, let url):
                        // JavaScript takes the fields as `name\nvalue` lines.
                        let lines = headers.map { "\($0.name)\n\($0.value)" }.joined(separator: "\n")
                        try ctx.call(
                            done,
                            making: { ctx.number(Double(id)) },
                            { ctx.number(Double(status)) },
                            { ctx.string(lines) },
                            { ctx.arrayBuffer(body) },
                            { ctx.string(url) },
                            { ctx.null }
                        )
                    case .failure(let message):
                        try ctx.call(
                            done,
                            making: { ctx.number(Double(id)) },
                            { ctx.number(0) },
                            { ctx.string("") },
                            { ctx.null },
                            { ctx.string("") },
                            { ctx.string(message) }
                        )
                    }
                }
            }
        } catch {
            if error.timedOut || JSEngine.terminated { return .failure(Self.timeout) }
            return .failure(
                InvocationFailure(
                    kind: .exception,
                    message: error.message,
                    location: error.location,
                    stack: error.stack
                )
            )
        }
        switch context.outcome {
        case .response(let status, let headers, let body)?:
            return .success((status, headers, body))
        case .failure(let message, let location, let stack, let code)?:
            if JSEngine.terminated || message.contains("JavaScript execution exceeded timeout") {
                return .failure(Self.timeout)
            }
            // Storage back-pressure the app did not handle: 503 with Retry-After, not a 500.
            return .failure(
                InvocationFailure(
                    kind: Self.failureKind(code: code),
                    message: message,
                    location: location,
                    stack: stack,
                    code: code
                )
            )
        case nil:
            return .failure(InvocationFailure(kind: .internal, message: "no outcome"))
        }
    }

    /// Creates the context of `app`@`version` ahead of its first request (after a deploy).
    func warm(_ message: WorkerFrame.Warm) -> WorkerFrame {
        let outcome: WorkerFrame.InvokeResult.Outcome
        do {
            _ = try context(app: message.app, version: message.version)
            outcome = .response(status: 204, headers: [], body: [])
        } catch let failure as InvocationFailure {
            outcome = .failure(failure)
        } catch {
            outcome = .failure(InvocationFailure(kind: .internal, message: "\(error)"))
        }
        return .result(WorkerFrame.InvokeResult(id: message.id, outcome: outcome))
    }

    /// Waits (at most until `until`) for the next frame from the daemon; nil when none came.
    private func awaitFrame(until: UInt64) throws -> WorkerFrame? {
        let now = DispatchTime.now().uptimeNanoseconds
        guard until > now else { return nil }
        if !reader.hasBufferedBytes {
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(1000, (until - now) / 1_000_000 + 1))
            guard poll(&descriptor, 1, milliseconds) > 0 else { return nil }
        }
        guard let frame = try reader.next() else {
            throw InvocationFailure(kind: .internal, message: "the daemon closed the channel")
        }
        return frame
    }

    /// The failure kind for a JavaScript error's `code`: `busy` (storage back-pressure), `handler`
    /// (the code cannot run: it does not compile, a module is missing, it exports no handler;
    /// jobs that fail so are not retried) or `exception`.
    static func failureKind(code: String?) -> InvocationFailure.Kind {
        switch code {
        case "BUSY": return .busy
        case "BAD_HANDLER", "MODULE_NOT_FOUND": return .handler
        default: return .exception
        }
    }

    private static let timeout = InvocationFailure(kind: .timeout, message: "the handler ran past its time limit")

    private func context(app: String, version: Int) throws -> AppContext {
        let key = "\(app)@\(version)"
        clock += 1
        lastUse[key] = clock
        if let context = contexts[key] { return context }
        // LRU by count and by the source bytes the contexts have loaded (a proxy for their heaps).
        while contexts.count >= maxContexts
            || contexts.values.reduce(0, { $0 + $1.loadedBytes }) > Self.contextByteBudget,
            let victim = lastUse.filter({ contexts[$0.key] != nil }).min(by: { $0.value < $1.value })
        {
            evict(victim.key)
        }
        // A version preview (`blog--v3`) runs the app's own files and env; only its storage
        // namespace, the preview label, differs (see `storage(_:)`).
        let owner = AppName.preview(app)?.app ?? app
        let files = try database.query(
            "SELECT path FROM files WHERE app = ? AND version = ?",
            [.text(owner), .int(version)]
        ) { $0.string(0) }
        guard !files.isEmpty else {
            throw InvocationFailure(kind: .internal, message: "app \(app) has no version \(version)")
        }
        let database = self.database
        let writer = self.writer
        let context: AppContext
        do {
            context = try AppContext(
                engine: engine,
                app: app,
                version: version,
                files: Set(files),
                readFile: { path in
                    let bytes = try? database.queryOne(
                        "SELECT b.data FROM files f JOIN blobs b ON b.hash = f.blob WHERE f.app = ? AND f.version = ? AND f.path = ?",
                        [.text(owner), .int(version), .text(path)]
                    ) { $0.bytes(0) }
                    return bytes.flatMap { $0 }
                },
                readEnv: { key in
                    let value = try? database.queryOne(
                        "SELECT value FROM env WHERE app = ? AND key = ?",
                        [.text(owner), .text(key)]
                    ) { $0.string(0) }
                    return value.flatMap { $0 }
                },
                readCompiled: { path in Self.cachedModule(database, app: owner, version: version, path: path) },
                transformModule: { [unowned self] path, source in transform(path: path, source: source) },
                log: { [unowned self] level, text in
                    capture(level, text)
                    try? writer.send(.log(WorkerFrame.Log(app: app, level: level, message: text)))
                }
            )
        } catch {
            throw InvocationFailure(kind: .internal, message: "cannot start the app context: \(error)")
        }
        context.sendFetch = { fetch in try? writer.send(.fetch(fetch)) }
        context.sendAI = { start in try? writer.send(.ai(start)) }
        context.sendAICancel = { id in try? writer.send(.aiCancel(id)) }
        context.sendResponse = { [unowned self] part in sendResponse(part) }
        context.storageCall = { [unowned self, unowned context] op, args, data in
            let result: Result<StorageResult, StorageError>
            do throws(StorageError) {
                result = storage(StorageCall(op: try StorageOp(named: op), app: app, args: args, data: data))
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let result):
                context.storageData = result.data
                return result.json
            case .failure(let error):
                return "\u{1}\(error.code.rawValue)\u{1}\(error.message)"
            }
        }
        contexts[key] = context
        sinceMemoryCheck = 16  // a new context is the usual reason to grow: look after this call
        return context
    }

    private func capture(_ level: String, _ text: String) {
        guard var output = captured, output.utf8.count < Self.maxCapturedBytes else { return }
        captured = nil  // no copy while appending
        output += (level == "info" ? "" : "[\(level)] ") + text + "\n"
        if output.utf8.count > Self.maxCapturedBytes {
            output =
                String(decoding: output.utf8.prefix(Self.maxCapturedBytes), as: UTF8.self) + "\n[output truncated]\n"
        }
        captured = output
    }

    /// Drops every context and the VM they share, and starts a fresh one.
    private func resetEngine() {
        contexts.removeAll()
        lastUse.removeAll()
        transformer = nil
        engine = JSEngine()
        JSEngine.terminated = false
    }

    /// Reads its own resident memory every 16 invocations (and after a new context); over the budget, and
    /// grown by a quarter of it since the first check, asks the daemon (once) to replace this worker
    /// when it is idle. (A budget below what a fresh worker uses would otherwise replace every
    /// worker after its first request.)
    ///
    /// Dropping contexts does not give their memory back: JavaScriptCore keeps what a context
    /// group once used, even after a full collection or a new group. A fresh process does.
    func keepWithinMemoryBudget() {
        sinceMemoryCheck += 1
        guard !recycleRequested, sinceMemoryCheck >= 16 else { return }
        sinceMemoryCheck = 0
        let resident = ProcessMemory.ownResidentBytes()
        if memoryBaseline == 0 { memoryBaseline = resident }
        guard resident > max(memoryBudget, memoryBaseline + memoryBudget / 4) else { return }
        recycleRequested = true
        try? writer.send(.recycle)
    }

    /// Asks the daemon (once) to replace this worker when it is idle, if it holds the TypeScript
    /// compiler: about 40 MB that JavaScriptCore never gives back, needed again only by a deploy.
    func releaseCompiler() {
        guard transformer != nil, !recycleRequested else { return }
        recycleRequested = true
        try? writer.send(.recycle)
    }

    private func evict(_ key: String) {
        contexts[key] = nil
        lastUse[key] = nil
    }
}

/// `fazt __worker`: serves invocations over stdin/stdout until stdin closes.
public enum WorkerMain {
    public static func run(dataPath: String, quotaBytes: Int64 = 1 << 30, memoryBudget: Int = 128 << 20) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let reader = FrameReader(fd: STDIN_FILENO)
        let writer = FrameWriter(fd: STDOUT_FILENO)
        let runtime: WorkerRuntime
        do {
            runtime = try WorkerRuntime(
                dataPath: dataPath,
                reader: reader,
                writer: writer,
                quotaBytes: quotaBytes,
                memoryBudget: memoryBudget
            )
            try writer.send(.hello(WorkerFrame.Hello(protocolVersion: WorkerProtocol.version)))
        } catch {
            FileHandle.standardError.write(Data("fazt worker: cannot start: \(error)\n".utf8))
            return 1
        }
        while true {
            let frame: WorkerFrame?
            do {
                frame = runtime.deferred.isEmpty ? try reader.next() : runtime.deferred.removeFirst()
            } catch {
                FileHandle.standardError.write(Data("fazt worker: bad frame: \(error)\n".utf8))
                return 2
            }
            guard let frame else { return 0 }
            let reply: WorkerFrame
            switch frame {
            case .invoke(let invoke): reply = runtime.invoke(invoke)
            case .check(let check): reply = runtime.check(check)
            case .warm(let warm): reply = runtime.warm(warm)
            default: continue
            }
            do {
                try writer.send(reply)
            } catch {
                return 0
            }
            // After the reply: nobody's answer waits for the check.
            runtime.keepWithinMemoryBudget()
            if case .check = frame { runtime.releaseCompiler() }
        }
    }
}

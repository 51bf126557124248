import FaztStorage
import FaztStore
import FaztVFS
import Foundation

/// Storage calls from JavaScript: reads on the worker's read-only connection, writes and
/// transactions in the daemon (pipelined `kv.set`, or a round trip that defers other frames).
extension WorkerRuntime {
    /// Runs one storage call: reads here, on the read-only connection; writes, SQL that writes and
    /// everything inside a transaction in the daemon (the single writer), waiting for its answer.
    func storage(_ call: StorageCall) -> Result<StorageResult, StorageError> {
        // A preview's storage is its own namespace; kernel calls (timers, events, notify, sockets)
        // would act on the live app's world, so previews have none.
        if call.op.isKernel, AppName.preview(call.app) != nil {
            return .failure(Self.offInPreviews(call.op))
        }
        // Socket and secret calls change no stored data: a response that made only those needs no
        // disk wait.
        if !call.op.isRealtime && !call.op.isSecret { touchedStorage = true }
        let route = session == nil || call.op.route == .kernel ? call.op.route : .remote
        if route == .pipelined { return pipelinedSet(call) }
        var local = route == .local
        if local && call.op == .sqlQuery {
            do {
                local = try SQLStore(connection: database, app: call.app).isReadOnly(call.args.first ?? "")
            } catch {
                return .failure(error)
            }
        }
        if local {
            if pipelinedWrites, case .failure(let error) = remote(StorageCall(op: .sync, app: call.app, args: [])) {
                return .failure(error)
            }
            do {
                return .success(try StorageExecutor(connection: database).run(call))
            } catch {
                return .failure(error)
            }
        }
        return remote(call)
    }

    /// The `PREVIEW` error for a kernel call made by a version preview.
    static func offInPreviews(_ op: StorageOp) -> StorageError {
        let api: String
        switch op {
        case .scheduleAdd, .scheduleCancel, .scheduleGet, .scheduleList: api = "fazt.schedule"
        case .eventsEmit, .eventsOn, .eventsOff, .eventsQuery: api = "fazt.events"
        case .notify: api = "fazt.notify"
        case .aiCancel: api = "fazt.ai.cancel"
        case .secretsGet, .secretsHMAC, .secretsSign, .secretsVerify: api = "fazt.secrets"
        default: api = "fazt.socket"
        }
        return StorageError(
            .preview,
            "\(api) is off in previews: a version preview has its own empty storage and never acts on the live app"
        )
    }

    /// `kv.set` without waiting: checked here (sizes, TTL, quota), applied by the writer in order;
    /// the daemon holds the invocation's response until it is applied and durable, and fails the
    /// response if the write failed.
    func pipelinedSet(_ call: StorageCall) -> Result<StorageResult, StorageError> {
        do {
            try KVStore.validateSet(call.arg(0), json: call.arg(1))
            _ = try call.ttl(2)
            try checkQuota(call.app, adding: Int64(call.arg(0).utf8.count + call.arg(1).utf8.count))
        } catch {
            return .failure(error)
        }
        let frame = WorkerFrame.store(
            WorkerFrame.Store(id: nil, app: call.app, op: call.op, args: call.args, pipelined: true)
        )
        do {
            // Goes out with the next frame (the result, or a call that waits): one write, one
            // wake-up of the daemon's reader for both.
            try writer.hold(frame)
        } catch {
            return .failure(StorageError(.internalError, "storage is unreachable: \(error)"))
        }
        pipelinedWrites = true
        return .success(StorageResult(json: "null"))
    }

    /// The quota check before a pipelined write, read from `storage_usage` at most every 250 ms per
    /// app and again whenever half the headroom seen then has been written since.
    ///
    /// The writer checks every write again; this one lets the app see the error at the call.
    func checkQuota(_ app: String, adding bytes: Int64) throws(StorageError) {
        let now = DispatchTime.now().uptimeNanoseconds
        if var check = quotaChecks[app], now - check.at < 250_000_000, check.written + bytes < check.headroom / 2 {
            check.written += bytes
            quotaChecks[app] = check
            return
        }
        // Count this worker's own pipelined writes in the usage it reads.
        if pipelinedWrites, case .failure(let error) = remote(StorageCall(op: .sync, app: app, args: [])) {
            throw error
        }
        let headroom = try StorageService.quotaHeadroom(database, app: app, defaultQuota: quotaBytes)
        guard headroom > 0 else {
            quotaChecks[app] = nil
            throw StorageService.quotaError(headroom: headroom)
        }
        quotaChecks[app] = (headroom, bytes, now)
    }

    /// Sends a call to the daemon and waits for its answer (deferring other frames meanwhile).
    func remote(_ call: StorageCall) -> Result<StorageResult, StorageError> {
        switch call.op {
        case .txBegin:
            guard session == nil else { return .failure(StorageError(.transaction, "a transaction is already open")) }
            storageSequence += 1
            session = storageSequence
        case .txCommit, .txRollback:
            guard session != nil else { return .failure(StorageError(.transaction, "no transaction is open")) }
        default:
            break
        }
        storageSequence += 1
        let id = storageSequence
        let now = DispatchTime.now().uptimeNanoseconds
        let request = WorkerFrame.store(
            WorkerFrame.Store(
                id: id,
                app: call.app,
                op: call.op,
                args: call.args,
                data: call.data,
                session: call.isKernel ? nil : session,
                timeoutMs: Int(invocationDeadline > now ? (invocationDeadline - now) / 1_000_000 : 1)
            )
        )
        if call.op == .txCommit || call.op == .txRollback { session = nil }
        do {
            try writer.send(request)
            while true {
                guard let frame = try reader.next() else {
                    return .failure(StorageError(.internalError, "the daemon closed the channel"))
                }
                switch frame {
                case .stored(let stored) where stored.id == id:
                    // Everything sent before this call has been applied by now.
                    pipelinedWrites = false
                    switch stored.outcome {
                    case .success(let json, let data):
                        return .success(StorageResult(json: json, data: data))
                    case .failure(let code, let message):
                        if call.op == .txBegin { session = nil }
                        return .failure(StorageError(StorageError.Code(rawValue: code), message))
                    }
                case .fetched, .aiEvent, .aiDone: inbox.append(frame)
                default: deferred.append(frame)
                }
            }
        } catch {
            return .failure(StorageError(.internalError, "storage is unreachable: \(error)"))
        }
    }
}

extension WorkerRuntime {
    /// Hands one event of a streamed `fazt.ai` call to the prelude (`__fazt_aiEvent`).
    func deliverAIEvent(_ event: WorkerFrame.AIEvent, to context: AppContext) throws(JSException) {
        let id = Int(clamping: event.id)
        guard context.pendingAI.contains(id), let function = context.aiEventFunction else { return }
        let ctx = context.context
        try ctx.call(function, making: { ctx.number(Double(id)) }, { ctx.string(event.event) })
    }

    /// Ends a `fazt.ai` call in the prelude (`__fazt_aiDone`): its result JSON, or a `FaztError`.
    func deliverAIDone(_ done: WorkerFrame.AIDone, to context: AppContext) throws(JSException) {
        let id = Int(clamping: done.id)
        guard context.pendingAI.remove(id) != nil, let function = context.aiDoneFunction else { return }
        let ctx = context.context
        switch done.outcome {
        case .result(let json):
            try ctx.call(function, making: { ctx.number(Double(id)) }, { ctx.string(json) }, { ctx.null }, { ctx.null })
        case .failure(let code, let message):
            try ctx.call(
                function,
                making: { ctx.number(Double(id)) },
                { ctx.null },
                { ctx.string(code) },
                { ctx.string(message) }
            )
        }
    }
}

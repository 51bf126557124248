import FaztNet
import FaztStorage
import Foundation

/// The worker's calls into the daemon: storage writes and transactions, kernel calls, `fetch`.
extension WorkerHandle {
    /// Runs a worker's storage write or transaction step on the daemon's writer; the `stored`
    /// reply goes back to the worker from whichever thread finishes it.
    func handleStore(_ store: WorkerFrame.Store) {
        let id = store.id
        let reply: @Sendable (Result<StorageResult, StorageError>) -> Void = { [self] result in
            guard let id else { return }
            switch result {
            case .success(let value):
                send(.stored(.init(id: id, outcome: .success(json: value.json, data: value.data))))
            case .failure(let error):
                send(.stored(.init(id: id, outcome: .failure(code: error.code.rawValue, message: error.message))))
            }
        }
        let done: @Sendable (StorageError?) -> Void = { error in
            reply(error.map { .failure($0) } ?? .success(StorageResult(json: "null")))
        }
        guard let storage else {
            reply(.failure(StorageError(.internalError, "storage is not available")))
            return
        }
        let call = StorageCall(op: store.op, app: store.app, args: store.args, data: store.data)
        if call.isKernel {
            guard let kernelCalls else {
                reply(.failure(StorageError(.internalError, "\(store.op.rawValue) is not available")))
                return
            }
            // Some kernel calls read the database: never on the channel's event loop.
            Self.kernelQueue.async { kernelCalls(call, reply) }
            return
        }
        if store.pipelined {
            // The worker did not wait. A failure fails the invocation's response instead (see
            // `afterPipelinedWrites`).
            storage.perform(call, reply: pipelinedWriteSent())
            return
        }
        switch (store.op, store.session) {
        case (.txBegin, let session?):
            storage.begin(owner: pid, session: session, timeoutMs: store.timeoutMs ?? 5000, begun: done)
        case (.txCommit, let session?), (.txRollback, let session?):
            storage.end(owner: pid, session: session, commit: store.op == .txCommit, done: done)
        case (_, let session?):
            storage.perform(call, owner: pid, session: session, reply: reply)
        case (_, nil):
            storage.perform(call, reply: reply)
        }
    }

    private static let kernelQueue = DispatchQueue(label: "fazt-kernel-calls", attributes: .concurrent)

    /// Starts a worker's `fazt.ai` call on the daemon's AI service; its events and its end go back
    /// to the worker as `aiEvent` and `aiDone` frames.
    func startAI(_ start: WorkerFrame.AIStart) {
        let id = start.id
        guard let ai else {
            let message = "fazt.ai is not available in this process (the server has no AI service)"
            send(.aiDone(WorkerFrame.AIDone(id: id, outcome: .failure(code: "AI_NOT_CONFIGURED", message: message))))
            return
        }
        let stop = ai.start(
            AICallRequest(app: start.app, mode: start.mode, options: start.options),
            event: { [self] event in send(.aiEvent(WorkerFrame.AIEvent(id: id, event: event))) },
            done: { [self] result in
                _ = lock.withLock { runningAI.removeValue(forKey: id) }
                let outcome: WorkerFrame.AIDone.Outcome
                switch result {
                case .success(let json): outcome = .result(json: json)
                case .failure(let error): outcome = .failure(code: error.code, message: error.message)
                }
                send(.aiDone(WorkerFrame.AIDone(id: id, outcome: outcome)))
            }
        )
        // Calls whose answer only this invocation reads stop with it; channel and response streams
        // outlive it by design.
        if let stop, start.mode == .call || start.mode == .stream {
            lock.withLock { runningAI[id] = stop }
        }
    }

    /// Starts a worker's `fetch` on the daemon's egress loop; `send` gets the `fetched` reply and
    /// `record` (when set) the call's record, also for refusals.
    static func startFetch(
        _ fetch: WorkerFrame.Fetch,
        policy: EgressPolicy,
        limits: EgressLimits,
        record: (@Sendable (EgressRecord) -> Void)? = nil,
        send: @escaping @Sendable (WorkerFrame.Fetched) -> Void
    ) {
        let started = ContinuousClock.now
        let entry = EgressRecord(
            app: fetch.app,
            at: Int64(Date().timeIntervalSince1970 * 1000),
            host: HostAllowlist.host(of: fetch.url) ?? "",
            method: fetch.method.uppercased(),
            status: 0,
            bytes: 0,
            durationMs: 0,
            error: nil
        )
        @Sendable func failed(_ error: EgressError) {
            var failure = entry
            failure.error = error.code ?? (error.timedOut ? "NET_TIMEOUT" : "NET_ERROR")
            failure.durationMs = Self.milliseconds(since: started)
            record?(failure)
            // A code travels as a `CODE: ` prefix; the prelude's fetch turns it into `err.code`.
            let message = error.code.map { "\($0): \(error.message)" } ?? error.message
            send(.init(id: fetch.id, outcome: .failure(message: message)))
        }
        if let refusal = limits.admit(app: fetch.app) {
            failed(refusal)
            return
        }
        let request = EgressRequest(
            url: fetch.url,
            method: fetch.method,
            headers: fetch.headers.pairs,
            body: fetch.body
        )
        let id = fetch.id
        let app = fetch.app
        EgressLoop.shared.submit(request, policy: policy) { result in
            limits.finished(app: app)
            switch result {
            case .success(let response):
                var success = entry
                success.status = response.status
                success.bytes = response.body.count
                success.durationMs = Self.milliseconds(since: started)
                record?(success)
                send(
                    .init(
                        id: id,
                        outcome: .response(
                            status: response.status,
                            headers: .init(pairs: response.headers),
                            body: response.body,
                            url: response.url
                        )
                    )
                )
            case .failure(let error):
                failed(error)
            }
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Turns an invocation's reply into its result.
    static func result(_ reply: Reply) -> InvocationResult {
        switch reply {
        case .result(let result):
            switch result.outcome {
            case .response(let status, let headers, let body):
                return .response(InvocationResponse(status: status, headers: headers.pairs, body: body))
            case .failure(let failure):
                return .failure(failure)
            }
        case .checked:
            return .failure(InvocationFailure(kind: .internal, message: "the worker sent a malformed response"))
        case .lost(let kind, let text):
            return .failure(InvocationFailure(kind: kind, message: text))
        }
    }
}

extension WorkerFrame {
    /// The case's name, for messages.
    var name: String {
        switch self {
        case .hello: "hello"
        case .invoke: "invoke"
        case .warm: "warm"
        case .check: "check"
        case .result: "result"
        case .checked: "checked"
        case .store: "store"
        case .stored: "stored"
        case .fetch: "fetch"
        case .fetched: "fetched"
        case .log: "log"
        case .recycle: "recycle"
        case .ai: "ai"
        case .aiEvent: "aiEvent"
        case .aiDone: "aiDone"
        case .aiCancel: "aiCancel"
        }
    }
}

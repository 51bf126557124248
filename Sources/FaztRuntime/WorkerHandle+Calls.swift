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
            AICallRequest(
                app: start.app,
                mode: start.mode,
                options: start.options,
                callerLoop: start.mode == .response ? runningCallerLoop : nil
            ),
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
        case .responseStart: "responseStart"
        case .responseChunk: "responseChunk"
        case .responseEnd: "responseEnd"
        }
    }
}

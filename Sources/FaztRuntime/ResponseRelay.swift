import FaztStorage
import Foundation

/// A response that leaves before its invocation ends, as the caller of `Supervisor.invoke` sees it.
public enum InvocationResponsePart: Sendable {
    /// The response: whole (`streamed` false; `ctx.waitUntil` work goes on), or the head of a
    /// body that follows in `chunk`s and one `end`.
    case start(InvocationResponse, streamed: Bool)
    /// A piece of a streamed body, in order.
    case chunk([UInt8])
    /// The streamed body is over; `error` when it broke off (the client should see a truncated body).
    case end(error: String?)
    /// A storage write made before the response started failed: answer this failure instead.
    case abort(InvocationFailure)
}

/// Delivers one invocation's response parts, and then its end, in the order the worker sent
/// them, holding them while the writes made before the response started become durable (the
/// same hold a `result` gets, see the runtime README).
final class ResponseRelay: @unchecked Sendable {
    // Safe: every mutable field is touched under `lock`; bodies run outside it, one at a time.
    private let lock = NSLock()
    private var queue: [@Sendable () -> Void] = []
    private var held = false
    private var draining = false
    private var begun = false

    /// Whether a response part has arrived (the invocation's end then goes through the relay too).
    var started: Bool { lock.withLock { begun } }

    func markStarted() { lock.withLock { begun = true } }

    /// Parts wait from now until `release`.
    func hold() { lock.withLock { held = true } }

    func release() {
        lock.withLock { held = false }
        drain()
    }

    /// Runs `body` now, or after every part queued before it once the hold is released.
    func run(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        queue.append(body)
        lock.unlock()
        drain()
    }

    private func drain() {
        lock.lock()
        guard !draining else {
            lock.unlock()
            return
        }
        draining = true
        while !held, !queue.isEmpty {
            let next = queue.removeFirst()
            lock.unlock()
            next()
            lock.lock()
        }
        draining = false
        lock.unlock()
    }
}

extension Supervisor {
    /// Passes one response frame of `worker`'s running invocation to `deliver`, through `relay`.
    ///
    /// Runs on the worker's event loop as the frame is read, so the writes the durability
    /// hold waits for are exactly those sent before the response started.
    static func relay(
        _ frame: WorkerFrame,
        through relay: ResponseRelay,
        worker: WorkerHandle,
        storage: StorageService?,
        to deliver: @escaping @Sendable (InvocationResponsePart) -> Void
    ) {
        switch frame {
        case .responseStart(let start):
            relay.markStarted()
            let part = InvocationResponsePart.start(
                InvocationResponse(status: start.status, headers: start.headers.pairs, body: start.body),
                streamed: start.streamed
            )
            guard start.usedStorage, let storage else { return relay.run { deliver(part) } }
            relay.hold()
            let failed = FailureSlot()
            relay.run { deliver(failed.value.map { InvocationResponsePart.abort($0) } ?? part) }
            worker.afterPipelinedWrites { error in
                if let error {
                    failed.value = InvocationFailure(
                        kind: error.code == .busy ? .busy : .storage,
                        message: "a storage write failed: \(error.message) (\(error.code.rawValue))",
                        code: error.code.rawValue
                    )
                }
                storage.whenAllDurable { relay.release() }
            }
        case .responseChunk(let chunk): relay.run { deliver(.chunk(chunk.body)) }
        case .responseEnd(let end): relay.run { deliver(.end(error: end.error)) }
        default: break
        }
    }
}

/// The failure of the writes a response waited for, set before the response is delivered.
private final class FailureSlot: @unchecked Sendable {
    // Safe: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: InvocationFailure?

    var value: InvocationFailure? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

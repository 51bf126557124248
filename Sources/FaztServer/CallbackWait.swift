import Synchronization

/// Waits for a callback-style completion, at most `timeout`.
///
/// `register` gets a closure to call once; the wait ends at that call or at the deadline,
/// whichever is first (shutdown steps that must not hang the process).
func waitForCallback(
    timeout: Duration,
    _ register: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void
) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            let shot = OneShot()
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    shot.arm(continuation)
                    register { shot.fire() }
                }
            } onCancel: {
                shot.fire()
            }
        }
        group.addTask { try? await Task.sleep(for: timeout) }
        await group.next()
        group.cancelAll()
    }
}

/// A continuation resumed exactly once, whether `fire` comes before or after `arm`.
private final class OneShot: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Void, Never>?, fired: Bool)>((nil, false))

    func arm(_ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = state.withLock { state in
            if !state.fired { state.continuation = continuation }
            return state.fired
        }
        if resumeNow { continuation.resume() }
    }

    func fire() {
        let continuation = state.withLock { state in
            defer { state = (nil, true) }
            return state.fired ? nil : state.continuation
        }
        continuation?.resume()
    }
}

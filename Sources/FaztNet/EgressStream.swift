import Synchronization

/// A response read as it arrives (a model's server-sent events), started with `EgressLoop.start`.
///
/// The callbacks run on the egress loop's thread, in order: `onHead` once when the status and
/// headers are known (just before the first body bytes, or at the end for an empty body), `onData`
/// for each piece of the body as libcurl hands it over, and `onEnd` exactly once — `.success` when
/// the body is complete, a failure for a timeout, a reset, a policy refusal or `cancel()`. They
/// must be quick: hand the bytes to another queue or an event loop.
public final class EgressStream: Sendable {
    public typealias Head = @Sendable (_ status: Int, _ headers: [(String, String)]) -> Void

    let onHead: Head
    let onData: @Sendable ([UInt8]) -> Void
    let onEnd: @Sendable (Result<Void, EgressError>) -> Void
    /// Called once the connection is ready, just before the request's first byte is sent.
    let onRequestSent: (@Sendable () -> Void)?
    private let cancelled = Atomic<Bool>(false)
    /// What stops the transport on `cancel()` (wakes `EgressLoop`, closes a `LoopHTTPClient` channel).
    let stopper = Mutex<(@Sendable () -> Void)?>(nil)

    public init(
        onHead: @escaping Head,
        onData: @escaping @Sendable ([UInt8]) -> Void,
        onEnd: @escaping @Sendable (Result<Void, EgressError>) -> Void,
        onRequestSent: (@Sendable () -> Void)? = nil
    ) {
        self.onHead = onHead
        self.onData = onData
        self.onEnd = onEnd
        self.onRequestSent = onRequestSent
    }

    /// Stops the transfer and closes its connection (from any thread): the transport stops at
    /// once and calls `onEnd` with a "cancelled" failure, unless it already ended.
    public func cancel() {
        guard !cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopper.withLock { $0 }?()
    }

    /// Sets what `cancel()` runs; runs it at once when the stream was already cancelled.
    func onCancel(_ stop: @escaping @Sendable () -> Void) {
        stopper.withLock { $0 = stop }
        if isCancelled { stop() }
    }

    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}

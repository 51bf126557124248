import Foundation

/// Whether a handler's response has left before its invocation ended, and its streamed body.
final class EarlyResponse: @unchecked Sendable {
    // Safe: both fields are only touched under `lock`.
    private let lock = NSLock()
    private var started = false
    private var body: HandlerBodyStream?

    var begun: Bool { lock.withLock { started } }
    var stream: HandlerBodyStream? { lock.withLock { body } }

    func begin(_ stream: HandlerBodyStream?) {
        lock.withLock {
            started = true
            body = stream
        }
    }
}

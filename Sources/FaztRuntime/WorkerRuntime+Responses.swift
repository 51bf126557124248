import Foundation

/// Responses that leave before their invocation ends: a whole response followed by
/// `ctx.waitUntil` work, or a streamed (`ReadableStream`) body.
extension WorkerRuntime {
    /// Largest piece of a streamed body in one frame.
    static let maxChunkBytes = 1 << 20

    /// Sends part of the running invocation's response to the daemon at once.
    ///
    /// The first part pushes the invocation's deadline to `WorkerProtocol.afterResponseMs` from
    /// now (the daemon's watchdog does the same when it reads it); parts out of order are dropped.
    func sendResponse(_ part: AppContext.ResponsePart) {
        switch part {
        case .whole(let status, let headers, let body):
            start(status: status, headers: headers, body: body, streamed: false)
        case .head(let status, let headers):
            start(status: status, headers: headers, body: [], streamed: true)
        case .chunk(let bytes):
            guard responseStarted else { return }
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + Self.maxChunkBytes)
                try? writer.send(
                    .responseChunk(WorkerFrame.ResponseChunk(id: invocationID, body: Array(bytes[offset..<end])))
                )
                offset = end
            }
        case .end(let error):
            guard responseStarted else { return }
            try? writer.send(.responseEnd(WorkerFrame.ResponseEnd(id: invocationID, error: error)))
        }
    }

    private func start(status: Int, headers: [(String, String)], body: [UInt8], streamed: Bool) {
        guard !responseStarted else { return }
        responseStarted = true
        let later = DispatchTime.now().uptimeNanoseconds + UInt64(WorkerProtocol.afterResponseMs) * 1_000_000
        invocationDeadline = max(invocationDeadline, later)
        let frame = WorkerFrame.ResponseStart(
            id: invocationID,
            status: status,
            headers: .init(pairs: headers),
            body: body,
            streamed: streamed,
            usedStorage: touchedStorage
        )
        try? writer.send(.responseStart(frame))
    }
}

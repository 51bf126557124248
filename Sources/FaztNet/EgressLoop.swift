import CCurl
import Foundation
import Synchronization

/// The daemon's egress engine: one libcurl multi handle driven by its own thread.
///
/// `submit` hands a request over (any thread) and wakes the loop; completions run on the loop's
/// thread, so they must be quick (the runtime only writes a frame). The thread starts on first use.
public final class EgressLoop: Sendable {
    /// The process-wide loop.
    public static let shared = EgressLoop()

    private struct Submission: Sendable {
        var request: EgressRequest
        var policy: EgressPolicy
        var completion: @Sendable (Result<EgressResponse, EgressError>) -> Void
        var stream: EgressStream?
    }

    private let queue = Mutex<[Submission]>([])
    private let multi: UnsafeMutableRawPointerBox
    private let started = Atomic<Bool>(false)

    private init() {
        multi = UnsafeMutableRawPointerBox(curl_multi_init())
    }

    /// Starts `request`; `completion` gets its result on the loop's thread.
    public func submit(
        _ request: EgressRequest,
        policy: EgressPolicy,
        completion: @escaping @Sendable (Result<EgressResponse, EgressError>) -> Void
    ) {
        enqueue(Submission(request: request, policy: policy, completion: completion, stream: nil))
    }

    /// Starts `request` with its body read as it arrives: `stream`'s callbacks run on the loop's
    /// thread (see `EgressStream`); `stream.cancel()` stops it from any thread.
    public func start(_ request: EgressRequest, policy: EgressPolicy, stream: EgressStream) {
        stream.onCancel { [self] in wake() }
        let submission = Submission(
            request: request,
            policy: policy,
            completion: { result in
                if case .failure(let error) = result { stream.onEnd(.failure(error)) }
            },
            stream: stream
        )
        enqueue(submission)
    }

    private func enqueue(_ submission: Submission) {
        guard multi.pointer != nil else {
            submission.completion(
                .failure(EgressError(message: "\(submission.policy.label): libcurl is not available"))
            )
            return
        }
        queue.withLock { $0.append(submission) }
        if !started.exchange(true, ordering: .acquiringAndReleasing) {
            let thread = Thread { [self] in self.run() }
            thread.name = "fazt-egress"
            thread.start()
        }
        wake()
    }

    /// Makes the loop look at its queue and its cancelled streams now.
    func wake() {
        curl_multi_wakeup(multi.pointer)
    }

    private func run() {
        guard let multi = multi.pointer else { return }
        // Loop-thread state: live transfers by easy handle.
        var transfers: [UnsafeMutableRawPointer: EgressTransfer] = [:]
        while true {
            for submission in queue.withLock({ queue -> [Submission] in
                defer { queue.removeAll() }
                return queue
            }) {
                do {
                    let transfer = try EgressTransfer(request: submission.request, policy: submission.policy)
                    let completion = submission.completion
                    transfer.completion = { completion($0) }
                    transfer.stream = submission.stream
                    let added = curl_multi_add_handle(multi, transfer.handle)
                    guard added == CURLM_OK else {
                        let error = CurlError(multi: "curl_multi_add_handle", code: added)
                        let label = submission.policy.label
                        completion(
                            .failure(EgressError(message: "\(label): \(error.message); the request was not made"))
                        )
                        continue
                    }
                    transfers[transfer.handle] = transfer
                } catch {
                    submission.completion(.failure(error))
                }
            }
            // Cancelled and stalled streams end now, even when their upstream sends nothing.
            let now = ContinuousClock.now
            for (easy, transfer) in transfers where transfer.stream != nil {
                let stall = transfer.policy.stallSeconds
                if stall > 0, now - transfer.lastActivity > .seconds(stall) { transfer.stalled = true }
                guard transfer.stalled || transfer.stream?.isCancelled == true else { continue }
                transfers.removeValue(forKey: easy)
                curl_multi_remove_handle(multi, easy)
                transfer.finishStream(CURLE_OPERATION_TIMEDOUT)
            }
            var running: Int32 = 0
            let performed = curl_multi_perform(multi, &running)
            if performed != CURLM_OK {
                // The multi handle is unusable: fail what it holds rather than leave callers waiting.
                Self.failAll(&transfers, multi, CurlError(multi: "curl_multi_perform", code: performed))
            }
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let transfer = transfers.removeValue(forKey: easy)
                else { continue }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                if transfer.stream != nil {
                    transfer.finishStream(code)
                } else {
                    transfer.completion?(transfer.finish(code))
                }
            }
            var ready: Int32 = 0
            // At most 250 ms between looks at stalled streams.
            let polled = curl_multi_poll(multi, nil, 0, transfers.isEmpty ? 1000 : 250, &ready)
            if polled != CURLM_OK {
                Self.failAll(&transfers, multi, CurlError(multi: "curl_multi_poll", code: polled))
                Thread.sleep(forTimeInterval: 0.01)  // never spin on a failing poll
            }
        }
    }

    private static func failAll(
        _ transfers: inout [UnsafeMutableRawPointer: EgressTransfer],
        _ multi: UnsafeMutableRawPointer,
        _ error: CurlError
    ) {
        for (easy, transfer) in transfers {
            curl_multi_remove_handle(multi, easy)
            let failure = EgressError(message: "\(transfer.policy.label): \(error.message)")
            if let stream = transfer.stream {
                transfer.stream = nil
                stream.onEnd(.failure(failure))
            } else {
                transfer.completion?(.failure(failure))
            }
        }
        transfers.removeAll()
    }
}

/// The multi handle pointer, created once and only used by the loop thread (and by
/// `curl_multi_wakeup`, which libcurl documents as callable from any thread).
private final class UnsafeMutableRawPointerBox: @unchecked Sendable {
    // Safe: immutable after init; see the type's comment for who uses the handle.
    let pointer: UnsafeMutableRawPointer?
    init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer }
}

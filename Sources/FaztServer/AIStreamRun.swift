import FaztAI
import FaztJSON
import FaztKernel
import FaztNet
import FaztRealtime
import FaztRuntime
import FaztVFS
import Foundation
import NIOCore

/// One `fazt.ai` call on its way through the provider chain: each attempt streams the provider's
/// answer through the provider's normalizer, and the events go where the call's mode sends them.
///
/// Retries happen only before the first event went out (429, 5xx, 529, a reset, a timeout; at
/// most twice per model, honouring `retry-after`), then the next model of the chain is tried.
/// After the first event an upstream failure ends the answer with `error` and `finish`, the
/// partial text kept and never sent twice.
final class AIStreamRun: @unchecked Sendable {
    // Safe: every mutable field is touched under `lock` (egress thread callbacks, `cancel` from
    // any thread, retries from a timer).

    /// Where a channel stream publishes (`fazt.ai.stream({channel})`).
    struct ChannelTarget: Sendable {
        var hub: RealtimeHub
        var app: String
        var channel: String
        var rule: ChannelRule
        var streamID: String
        /// A handler file run as a job with the whole answer when the stream ends.
        var onDone: String?
        var meta: JSONValue?
    }

    /// What the call's caller gets.
    struct Sink: Sendable {
        var mode: AICallMode
        var event: @Sendable (String) -> Void
        var done: @Sendable (Result<String, AICallError>) -> Void
        var channel: ChannelTarget?
        /// Where a `toResponse()` answer goes.
        var response: AIResponseStream?
    }

    static let maxRetries = 2
    static let maxErrorBodyBytes = 64 << 10

    private let gateway: AIGateway
    private let app: String
    private let request: AIRequest
    private let chain: [AIGateway.Target]
    private let sink: Sink
    /// The prompt to keep with the run (`record: true`), or nil.
    private let transcript: AIGateway.Transcript?
    /// Runs once the call is over (the gateway forgets a channel stream).
    var onFinished: (@Sendable () -> Void)?
    /// When the call reached the daemon (for `AIGateway.requestLatency`).
    var arrival: NIODeadline?
    /// The loop of the HTTP request that made the call (a `toResponse()` answer is read there).
    var callerLoop: (any EventLoop)?

    private let lock = NSLock()
    private var index = 0
    private var attempt = 0
    private var normalizer: any AIStreamNormalizer
    private var accumulator = AIResultAccumulator()
    /// An event went out: no more retries or fallbacks.
    private var emitted = false
    private var status = 0
    private var headers: [(String, String)] = []
    private var errorBody: [UInt8] = []
    private var stream: EgressStream?
    private var cancelled = false
    private var over = false
    private let started = ContinuousClock.now
    private var firstTokenMs: Int64?
    /// Output so far, estimated (4 characters a token) while the provider's usage has not come.
    private var outputCharacters = 0
    private var checkedAtTokens = 0
    /// Why the budget stopped the answer mid-way, once it did.
    private var overBudget: String?
    /// Estimated tokens between budget checks during an answer.
    static let budgetCheckTokens = 200

    init(
        gateway: AIGateway,
        app: String,
        request: AIRequest,
        chain: [AIGateway.Target],
        sink: Sink,
        transcript: AIGateway.Transcript? = nil
    ) {
        self.gateway = gateway
        self.transcript = transcript
        self.app = app
        self.request = request
        self.chain = chain
        self.sink = sink
        self.normalizer = chain[0].endpoint.kind.makeStreamNormalizer()
    }

    private var target: AIGateway.Target { chain[index] }

    /// Starts the attempt at the current model.
    func next() {
        lock.lock()
        guard !over, !cancelled else {
            lock.unlock()
            return
        }
        let target = self.target
        normalizer = target.endpoint.kind.makeStreamNormalizer()
        accumulator = AIResultAccumulator()
        status = 0
        headers = []
        errorBody = []
        let wire: AIWireRequest
        do {
            wire = try AIWireRequest.chat(
                endpoint: target.endpoint,
                model: target.model,
                request: request,
                stream: true
            )
        } catch {
            lock.unlock()
            return fail(code: "INVALID_ARGUMENT", message: "fazt.ai: \(error.message)")
        }
        var onRequestSent: (@Sendable () -> Void)?
        if index == 0, attempt == 0, let arrival {
            let latency = gateway.requestLatency
            onRequestSent = { latency.record(since: arrival) }
        }
        let stream = EgressStream(
            onHead: { [self] status, headers in
                lock.withLock {
                    self.status = status
                    self.headers = headers
                }
            },
            onData: { [self] bytes in received(bytes) },
            onEnd: { [self] result in ended(result) },
            onRequestSent: onRequestSent
        )
        self.stream = stream
        lock.unlock()
        let egress = EgressRequest(url: wire.url, method: wire.method, headers: wire.headers, body: wire.body)
        let policy = gateway.policy()
        guard let response = sink.response, gateway.readsOnCallerLoop else {
            return EgressLoop.shared.start(egress, policy: policy, stream: stream)
        }
        // A `toResponse()` answer: the provider's connection runs on the caller's connection loop,
        // so each piece is read, normalized and written out in one pass (no thread hop per token).
        // The invocation's request loop is that loop; without it, wait for the connection to take
        // the stream.
        let warming = gateway.callerLoops
        if let callerLoop {
            return LoopHTTPClient.start(egress, policy: policy, stream: stream, on: callerLoop, warming: warming)
        }
        response.whenTaken { loop in
            guard let loop else { return EgressLoop.shared.start(egress, policy: policy, stream: stream) }
            LoopHTTPClient.start(egress, policy: policy, stream: stream, on: loop, warming: warming)
        }
    }

    /// Stops the call and closes the upstream connection (`fazt.ai.cancel`).
    func cancel() {
        let stream = lock.withLock { () -> EgressStream? in
            cancelled = true
            return self.stream
        }
        stream?.cancel()
    }

    // MARK: The provider's answer

    private func received(_ bytes: [UInt8]) {
        lock.lock()
        guard (200..<300).contains(status) else {
            if errorBody.count < Self.maxErrorBodyBytes {
                errorBody += bytes.prefix(Self.maxErrorBodyBytes - errorBody.count)
            }
            lock.unlock()
            return
        }
        let arrival = NIODeadline.now()
        let events = normalizer.feed(bytes)
        lock.unlock()
        forward(events, arrival: arrival)
    }

    private func ended(_ result: Result<Void, EgressError>) {
        lock.lock()
        if let reason = overBudget {
            lock.unlock()
            forward([.error(code: "AI_BUDGET", message: reason), .finish(.error)])
            return complete(outcome: .error, errorCode: "AI_BUDGET")
        }
        if cancelled {
            let events = emitted ? [AIStreamEvent.finish(.error)] : []
            lock.unlock()
            forward(events)
            return complete(outcome: .cancelled, errorCode: "AI_CANCELLED")
        }
        let key = target.endpoint.apiKey
        switch result {
        case .success where (200..<300).contains(status):
            let events = normalizer.finish()
            lock.unlock()
            forward(events)
            complete(outcome: .ok, errorCode: nil)
        case .success:
            let error = AIProviderError(status: status, headers: headers, body: errorBody, redacting: [key])
            lock.unlock()
            let code = status == 429 ? "AI_RATE_LIMITED" : "AI_PROVIDER"
            retryOrFail(
                retryable: error.retryable,
                after: error.retryAfterSeconds,
                code: code,
                message: "\(target.provider) answered \(status): \(error.message)"
            )
        case .failure(let failure):
            let wasEmitted = emitted
            lock.unlock()
            let code = failure.timedOut ? "AI_TIMEOUT" : "AI_PROVIDER"
            let message = "\(target.provider): \(failure.message.replacingOccurrences(of: key, with: "[redacted]"))"
            guard wasEmitted else { return retryOrFail(retryable: true, after: nil, code: code, message: message) }
            // After the first byte: end the answer here, keeping what came.
            forward([.error(code: code, message: message), .finish(.error)])
            complete(outcome: .error, errorCode: code)
        }
    }

    /// Tries again (same model, then the next one) or gives up.
    private func retryOrFail(retryable: Bool, after seconds: Double?, code: String, message: String) {
        lock.lock()
        if retryable, !emitted, attempt < Self.maxRetries {
            attempt += 1
            let delay = min(seconds ?? 0.25 * Double(1 << attempt), 10)
            lock.unlock()
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in next() }
            return
        }
        if !emitted, index + 1 < chain.count {
            index += 1
            attempt = 0
            lock.unlock()
            return next()
        }
        lock.unlock()
        fail(code: code, message: message)
    }

    /// Checks the app's budget with this answer's output so far (off the egress thread); an
    /// answer that crosses it is stopped, its partial usage recorded.
    private func recheckBudget(estimatedTokens: Int) {
        gateway.recheck(app: app, estimatedTokens: Int64(estimatedTokens)) { [self] reason in
            let stream = lock.withLock { () -> EgressStream? in
                guard !over, overBudget == nil else { return nil }
                overBudget = reason
                cancelled = true
                return self.stream
            }
            stream?.cancel()
        }
    }

    // MARK: Where the events go

    private func forward(_ events: [AIStreamEvent], arrival: NIODeadline = .now()) {
        guard !events.isEmpty else { return }
        lock.lock()
        for event in events {
            accumulator.add(event)
            if firstTokenMs == nil, Self.isContent(event) { firstTokenMs = AIGateway.milliseconds(since: started) }
            if case .textDelta(let text) = event { outputCharacters += text.utf8.count }
        }
        emitted = true
        let estimate = outputCharacters / 4
        let checkBudget = estimate - checkedAtTokens >= Self.budgetCheckTokens && overBudget == nil && !over
        if checkBudget { checkedAtTokens = estimate }
        lock.unlock()
        if checkBudget { recheckBudget(estimatedTokens: estimate) }
        switch sink.mode {
        case .stream:
            for event in events { sink.event(event.json.text) }
        case .channel:
            guard let channel = sink.channel else { return }
            for event in events { publish(event.json, to: channel) }
        case .response:
            sink.response?.send(events, arrival: arrival)
        case .call, .embed:
            break
        }
    }

    private static func isContent(_ event: AIStreamEvent) -> Bool {
        switch event {
        case .textDelta, .toolCallDelta, .toolCall: true
        default: false
        }
    }

    private func publish(_ event: JSONValue, to target: ChannelTarget) {
        var members: [(String, JSONValue)] = [("streamId", .string(target.streamID))]
        if case .object(let fields) = event { members += fields }
        target.hub.publish(
            app: target.app,
            channel: target.channel,
            data: JSONValue.object(members).text,
            rule: target.rule,
            now: RealtimeServices.nowMs()
        )
    }

    // MARK: The end

    private func complete(outcome: AICallRecord.Outcome, errorCode: String?) {
        let target = self.target
        let (result, firstToken, estimate) = lock.withLock { () -> (AIResult, Int64?, Int) in
            over = true
            let result = accumulator.result(id: normalizer.responseID ?? "", model: target.alias)
            return (result, firstTokenMs, outputCharacters / 4)
        }
        var transcript = self.transcript
        transcript?.text = result.text
        transcript?.toolCalls = result.toolCalls
        // A stream stopped before the provider's usage came is recorded with its estimated output.
        let usage = result.usage ?? AIUsage(outputTokens: estimate)
        let costMicros = AICost.micros(
            model: target.prices,
            inputTokens: Int64(usage.inputTokens),
            outputTokens: Int64(usage.outputTokens),
            cacheReadTokens: Int64(usage.cacheReadTokens),
            cacheWriteTokens: Int64(usage.cacheWriteTokens)
        )
        gateway.record(
            AICallRecord(
                app: app,
                modelAlias: target.alias,
                provider: target.provider,
                providerModel: target.model,
                inputTokens: Int64(usage.inputTokens),
                outputTokens: Int64(usage.outputTokens),
                cacheReadTokens: Int64(usage.cacheReadTokens),
                cacheWriteTokens: Int64(usage.cacheWriteTokens),
                costMicros: costMicros,
                durationMs: AIGateway.milliseconds(since: started),
                firstTokenMs: firstToken,
                outcome: outcome,
                errorCode: errorCode
            ),
            transcript: transcript
        )
        var json = Self.resultJSON(result, target: target, costMicros: costMicros)
        if let errorCode { json.append(("error", .string(errorCode))) }
        finishCall(with: json)
    }

    private func fail(code: String, message: String) {
        lock.withLock { over = true }
        gateway.record(
            AICallRecord(
                app: app,
                modelAlias: target.alias,
                provider: target.provider,
                providerModel: target.model,
                durationMs: AIGateway.milliseconds(since: started),
                outcome: .error,
                errorCode: code
            ),
            transcript: transcript
        )
        if sink.mode == .channel || sink.mode == .response {
            forward([.error(code: code, message: message), .finish(.error)])
            finishCall(with: [
                ("error", .string(code)), ("message", .string(message)), ("finishReason", .string("error")),
            ])
        } else {
            sink.done(.failure(AICallError(code: code, message: message)))
            onFinished?()
        }
    }

    /// Answers the caller (or, for a channel stream, runs its `onDone` job) with `json`.
    private func finishCall(with json: [(String, JSONValue)]) {
        defer { onFinished?() }
        if let response = sink.response { return response.finish() }
        guard sink.mode == .channel, let channel = sink.channel else {
            return sink.done(.success(JSONValue.object(json).text))
        }
        guard let handler = channel.onDone else { return }
        var state: [(String, JSONValue)] = [("streamId", .string(channel.streamID))] + json
        if let meta = channel.meta { state.append(("meta", meta)) }
        gateway.runJob(app: app, handler: handler, state: JSONValue.object(state).text)
    }

    /// `{text, toolCalls, finishReason, usage, cost, model, provider, id}` as JavaScript gets it.
    static func resultJSON(_ result: AIResult, target: AIGateway.Target, costMicros: Int64) -> [(String, JSONValue)] {
        let usage = result.usage ?? AIUsage()
        let toolCalls = JSONValue.array(
            result.toolCalls.map {
                .object([("id", .string($0.id)), ("name", .string($0.name)), ("arguments", .string($0.arguments))])
            }
        )
        return [
            ("text", .string(result.text)),
            ("toolCalls", toolCalls),
            ("finishReason", .string(result.finishReason.rawValue)),
            (
                "usage",
                .object([
                    ("inputTokens", .number(Double(usage.inputTokens))),
                    ("outputTokens", .number(Double(usage.outputTokens))),
                    ("cacheReadTokens", .number(Double(usage.cacheReadTokens))),
                    ("cacheWriteTokens", .number(Double(usage.cacheWriteTokens))),
                ])
            ),
            ("cost", .number(Double(costMicros) / 1_000_000)),
            ("model", .string(target.alias)),
            ("provider", .string(target.provider)),
            ("id", .string(result.id)),
        ]
    }
}

import FaztAI
import FaztAPI
import FaztJSON
import FaztKernel
import FaztNet
import FaztRealtime
import FaztRuntime
import FaztScheduler
import FaztStorage
import FaztStore
import Foundation
import NIOCore
import Synchronization

/// The daemon's side of `fazt.ai`: checks the app may call models and is within its budget,
/// resolves the model alias (and its fallbacks), sends the provider request with the owner's key
/// — which never leaves this process — and turns the provider's stream into Fazt's events.
///
/// Setup (permission, registry and budget reads) runs on its own queue, never on an event loop;
/// the provider's bytes arrive on the egress loop's thread (`AIStreamRun`).
final class AIGateway: AIService {
    let store: Store
    let registry: AIRegistry
    let budget: AIBudget
    let realtime: RealtimeServices
    let scheduler: Scheduler
    private let queue = DispatchQueue(label: "fazt-ai", attributes: .concurrent)
    /// Channel streams still running, by app and stream id (`fazt.ai.cancel`).
    private let running = Mutex<[String: AIStreamRun]>([:])
    /// `toResponse()` answers not yet taken by their HTTP response, by app and stream id.
    private let responses = Mutex<[String: (stream: AIResponseStream, at: ContinuousClock.Instant)]>([:])
    private let counter = Atomic<Int>(0)
    /// Calls recorded since start and their tokens and cost (for metrics).
    let totals = Mutex(AIUsageTotals())
    /// Provider piece in → server-sent event written, for `toResponse()` answers.
    let tokenLatency = AILatencyHistogram()
    /// The same window up to the moment the event's write is issued (the daemon's own work, without the
    /// kernel's write to the caller's socket).
    let tokenToWrite = AILatencyHistogram()
    /// The call reached the daemon → its request is on its way to the provider (first attempt).
    let requestLatency = AILatencyHistogram()

    /// Keys the gateway reads beside the model options.
    static let gatewayOptions: Set<String> = ["channel", "onDone", "meta"]

    /// Runs kept per app in the execution history.
    let runsKeep: Int

    /// Seconds a provider may send nothing (before or during its answer) before the call times out.
    let stallSeconds: Int

    /// Whether `toResponse()` answers read the provider on the caller's loop (`LoopHTTPClient`).
    ///
    /// Each piece of the provider's answer is read, normalized and written to the caller in one
    /// pass of that loop, with no thread hop per token. `FAZT_AI_CLIENT=curl` reads them on
    /// libcurl's thread instead, as every other AI call does (docs/performance-notes.md).
    let readsOnCallerLoop = ProcessInfo.processInfo.environment["FAZT_AI_CLIENT"] != "curl"

    /// The server's event loops: each keeps an idle connection to a provider that answered on
    /// another (a caller's connection may be on any of them).
    let callerLoops: [any EventLoop]

    init(
        store: Store,
        registry: AIRegistry,
        realtime: RealtimeServices,
        scheduler: Scheduler,
        runsKeep: Int = 1000,
        stallSeconds: Int = 60,
        callerLoops: [any EventLoop] = []
    ) {
        self.callerLoops = callerLoops
        self.store = store
        self.runsKeep = runsKeep
        self.stallSeconds = stallSeconds
        self.registry = registry
        self.budget = AIBudget(store: store)
        self.realtime = realtime
        self.scheduler = scheduler
    }

    @discardableResult
    func start(
        _ call: AICallRequest,
        event: @escaping @Sendable (String) -> Void,
        done: @escaping @Sendable (Result<String, AICallError>) -> Void
    ) -> (@Sendable () -> Void)? {
        let handle = RunHandle()
        let arrival = NIODeadline.now()
        queue.async { [self] in
            do {
                try begin(call, arrival: arrival, handle: handle, event: event, done: done)
            } catch let error as AICallError {
                done(.failure(error))
            } catch {
                done(.failure(AICallError(code: "INTERNAL", message: "fazt.ai: \(error)")))
            }
        }
        return { handle.cancel() }
    }

    /// The run a call became, for stopping it before or after it exists.
    final class RunHandle: Sendable {
        private let state = Mutex<(run: AIStreamRun?, cancelled: Bool)>((nil, false))

        func cancel() {
            let run = state.withLock { state -> AIStreamRun? in
                state.cancelled = true
                return state.run
            }
            run?.cancel()
        }

        /// Attaches `run`; false when the call was stopped already (the run must not start).
        func attach(_ run: AIStreamRun) -> Bool {
            state.withLock { state in
                state.run = run
                return !state.cancelled
            }
        }
    }

    /// The `toResponse()` answer `streamID` of `app`, once (its HTTP response takes it).
    func takeResponse(app: String, streamID: String) -> AIResponseStream? {
        responses.withLock { $0.removeValue(forKey: "\(app)\u{0}\(streamID)")?.stream }
    }

    /// Stops a channel stream of `app` (`fazt.ai.cancel`); false when none runs under that id.
    func cancel(app: String, streamID: String) -> Bool {
        guard let run = running.withLock({ $0.removeValue(forKey: "\(app)\u{0}\(streamID)") }) else { return false }
        run.cancel()
        return true
    }

    private func begin(
        _ call: AICallRequest,
        arrival: NIODeadline,
        handle: RunHandle,
        event: @escaping @Sendable (String) -> Void,
        done: @escaping @Sendable (Result<String, AICallError>) -> Void
    ) throws {
        guard try AIAccess.isPermitted(store, app: call.app) else {
            throw AICallError(
                code: "AI_DENIED",
                message:
                    "app \(call.app) may not call models: add \"permissions\": [\"ai\"] to its fazt.json and run `fazt grant \(call.app) ai`"
            )
        }
        let options: JSONValue
        do {
            options = try JSONValue.decode(Array(call.options.utf8))
        } catch {
            throw AICallError(code: "INVALID_ARGUMENT", message: "fazt.ai: the options are not JSON")
        }
        if call.mode == .embed { return try embed(call, options: options, done: done) }
        guard case .object(let members) = options else {
            throw AICallError(code: "INVALID_ARGUMENT", message: "fazt.ai: pass an options object")
        }
        let modelOptions = members.filter { !Self.gatewayOptions.contains($0.0) }
        let request: AIRequest
        do {
            request = try AIRequest(options: .object(modelOptions))
        } catch {
            throw AICallError(code: "INVALID_ARGUMENT", message: "fazt.ai: \(error.message)")
        }
        let chain = try modelChain(request.model)
        try checkBudget(call.app, estimatedTokens: Int64(request.maxTokens ?? 0))
        var sink = AIStreamRun.Sink(mode: call.mode, event: event, done: done)
        var streamID: String?
        if call.mode == .channel {
            let channel = options["channel"]?.stringValue ?? ""
            guard let rule = realtime.rule(app: call.app, channel: channel) else {
                throw AICallError(
                    code: "INVALID_ARGUMENT",
                    message: "fazt.ai.stream: app \(call.app) has no live version"
                )
            }
            let id =
                "ais_" + String(counter.add(1, ordering: .relaxed).newValue, radix: 36) + "_"
                + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            streamID = id
            sink.channel = AIStreamRun.ChannelTarget(
                hub: realtime.hub,
                app: call.app,
                channel: channel,
                rule: rule,
                streamID: id,
                onDone: options["onDone"]?.stringValue,
                meta: options["meta"]
            )
        }
        if call.mode == .response {
            let id =
                "air_" + String(counter.add(1, ordering: .relaxed).newValue, radix: 36) + "_"
                + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            streamID = id
            sink.response = AIResponseStream(latency: tokenLatency, toWrite: tokenToWrite)
        }
        // Kept in the execution history only when the app opted in (`record: true`).
        let prompt = JSONValue.object(members.filter { Self.promptOptions.contains($0.0) })
        let transcript = request.record ? Transcript(prompt: prompt) : nil
        let run = AIStreamRun(
            gateway: self,
            app: call.app,
            request: request,
            chain: chain,
            sink: sink,
            transcript: transcript
        )
        run.arrival = arrival
        run.callerLoop = call.mode == .response ? call.callerLoop : nil
        if let response = sink.response, let streamID {
            response.onStop = { run.cancel() }
            let now = ContinuousClock.now
            responses.withLock { responses in
                // Answers nobody took within a minute (the handler did not return the response).
                responses = responses.filter { now - $0.value.at < .seconds(60) }
                responses["\(call.app)\u{0}\(streamID)"] = (response, now)
            }
        }
        if let streamID, call.mode == .channel {
            let key = "\(call.app)\u{0}\(streamID)"
            running.withLock { $0[key] = run }
            run.onFinished = { [weak self] in _ = self?.running.withLock { $0.removeValue(forKey: key) } }
        }
        if let streamID { done(.success(JSONValue.object([("streamId", .string(streamID))]).text)) }
        guard handle.attach(run) else {
            return done(.failure(AICallError(code: "AI_CANCELLED", message: "fazt.ai: the invocation ended first")))
        }
        run.next()
    }

    // MARK: Models

    /// One model a call may use: where it goes and what it costs.
    struct Target: Sendable {
        var alias: String
        var provider: String
        var model: String
        var endpoint: AIEndpoint
        var prices: AIModelPrices
    }

    /// The model `name` names (an alias, `provider:model`, or the default when nil), then its
    /// fallbacks in order.
    private func modelChain(_ name: String?) throws -> [Target] {
        if let name, let colon = name.firstIndex(of: ":"), try registry.model(name) == nil {
            let provider = String(name[..<colon])
            let model = String(name[name.index(after: colon)...])
            return [
                try target(
                    alias: name,
                    provider: provider,
                    model: model,
                    prices: AIModelPrices(input: nil, output: nil)
                )
            ]
        }
        guard let first = try name.map({ try registry.model($0) }) ?? registry.defaultModel() else {
            if let name {
                throw AICallError(
                    code: "AI_NOT_CONFIGURED",
                    message:
                        "no model named \(name): add it with `fazt ai model add \(name) --provider NAME --model ID`"
                )
            }
            throw AICallError(
                code: "AI_NOT_CONFIGURED",
                message: "no default model: name one in the call ({model: ALIAS}) or run `fazt ai model default ALIAS`"
            )
        }
        var chain: [Target] = []
        var seen: Set<String> = []
        var next: AIModelBody? = first
        while let model = next, chain.count < 5, seen.insert(model.alias).inserted {
            let prices = AIModelPrices(
                input: model.inputPrice,
                output: model.outputPrice,
                cacheRead: model.cacheReadPrice,
                cacheWrite: model.cacheWritePrice
            )
            chain.append(try target(alias: model.alias, provider: model.provider, model: model.model, prices: prices))
            next = try model.fallback.flatMap { try registry.model($0) }
        }
        return chain
    }

    private func target(alias: String, provider: String, model: String, prices: AIModelPrices) throws -> Target {
        guard let credentials = try registry.credentials(provider: provider) else {
            throw AICallError(
                code: "AI_NOT_CONFIGURED",
                message: "no provider named \(provider): add it with `fazt ai provider add \(provider) --type TYPE`"
            )
        }
        guard let kind = AIProviderKind(rawValue: credentials.type.rawValue) else {
            throw AICallError(code: "AI_NOT_CONFIGURED", message: "provider \(provider) has an unknown type")
        }
        let endpoint = AIEndpoint(kind: kind, baseURL: credentials.baseURL, apiKey: credentials.key ?? "")
        return Target(alias: alias, provider: provider, model: model, endpoint: endpoint, prices: prices)
    }

    // MARK: Budgets and records

    func checkBudget(_ app: String, estimatedTokens: Int64) throws {
        if case .refused(let reason) = try budget.check(app: app, estimatedTokens: estimatedTokens) {
            let code = reason.contains("requests in the last minute") ? "AI_RATE_LIMITED" : "AI_BUDGET"
            throw AICallError(code: code, message: reason + " (fazt ai budget \(app) shows and changes the limits)")
        }
    }

    /// Checks `app`'s budget on the gateway's queue as if `estimatedTokens` more were used; calls
    /// `refused` with the reason when they would cross it.
    func recheck(app: String, estimatedTokens: Int64, refused: @escaping @Sendable (String) -> Void) {
        queue.async { [self] in
            if case .refused(let reason)? = try? budget.check(app: app, estimatedTokens: estimatedTokens) {
                refused(reason + " (the answer was stopped mid-way)")
            }
        }
    }

    /// Records a finished call (usage, cost, outcome, and the `transcript` of a call that asked
    /// for it); never fails the call.
    func record(_ record: AICallRecord, transcript: Transcript? = nil) {
        try? budget.recordBlocking(record)
        totals.withLock { $0.add(record) }
        // The execution history too (`fazt runs APP --kind ai`): alias, provider/model, outcome.
        let cost = Double(record.costMicros) / 1_000_000
        let summary: [(String, JSONValue)] = [
            ("inputTokens", .number(Double(record.inputTokens))),
            ("outputTokens", .number(Double(record.outputTokens))),
            ("cacheReadTokens", .number(Double(record.cacheReadTokens))),
            ("cacheWriteTokens", .number(Double(record.cacheWriteTokens))),
            ("cost", .number(cost)),
            ("firstTokenMs", record.firstTokenMs.map { .number(Double($0)) } ?? .null),
        ]
        var run = Run(
            app: record.app,
            kind: "ai",
            handler: record.modelAlias,
            startedAt: RealtimeServices.nowMs() - record.durationMs,
            durationMs: record.durationMs,
            outcome: record.outcome == .ok ? "ok" : record.outcome == .cancelled ? "cancelled" : "failed"
        )
        run.name = "\(record.provider)/\(record.providerModel)"
        run.error = record.errorCode
        run.output = Self.runOutput(summary: summary, transcript: transcript)
        let keep = runsKeep
        let entry = run
        _ = try? store.writeBlocking { try RunLog.record($0, entry, keep: keep) }
    }

    /// Runs `handler` of `app` as a job with `state` (a channel stream's `onDone`).
    func runJob(app: String, handler: String, state: String) {
        let call = StorageCall(op: .scheduleAdd, app: app, args: ["0", state, "{}", handler])
        scheduler.perform(call) { _ in }
    }

    // MARK: Embeddings

    private func embed(
        _ call: AICallRequest,
        options: JSONValue,
        done: @escaping @Sendable (Result<String, AICallError>) -> Void
    ) throws {
        let input: [String]
        switch options["input"] {
        case .string(let text)?: input = [text]
        case .array(let items)?: input = items.compactMap(\.stringValue)
        default: input = []
        }
        guard !input.isEmpty else {
            throw AICallError(
                code: "INVALID_ARGUMENT",
                message: "fazt.ai.embed: pass input: a string or an array of strings"
            )
        }
        guard let target = try modelChain(options["model"]?.stringValue).first else {
            throw AICallError(code: "AI_NOT_CONFIGURED", message: "fazt.ai.embed: no model")
        }
        try checkBudget(call.app, estimatedTokens: 0)
        let wire: AIWireRequest
        do {
            wire = try AIEmbedRequest(model: target.model, input: input).wireRequest(endpoint: target.endpoint)
        } catch {
            throw AICallError(code: "INVALID_ARGUMENT", message: "fazt.ai.embed: \(error.message)")
        }
        let started = ContinuousClock.now
        let request = EgressRequest(url: wire.url, method: wire.method, headers: wire.headers, body: wire.body)
        EgressLoop.shared.submit(request, policy: policy(timeoutSeconds: 120)) { [self] result in
            let key = target.endpoint.apiKey
            switch result {
            case .success(let response) where (200..<300).contains(response.status):
                guard let parsed = try? AIEmbedResult(kind: target.endpoint.kind, body: response.body) else {
                    return done(
                        .failure(
                            AICallError(
                                code: "AI_PROVIDER",
                                message: "\(target.provider): an unreadable embedding answer"
                            )
                        )
                    )
                }
                let vectors = JSONValue.array(parsed.vectors.map { .array($0.map { .number($0) }) })
                record(
                    AICallRecord(
                        app: call.app,
                        modelAlias: target.alias,
                        provider: target.provider,
                        providerModel: target.model,
                        inputTokens: Int64(parsed.inputTokens ?? 0),
                        costMicros: AICost.micros(
                            model: target.prices,
                            inputTokens: Int64(parsed.inputTokens ?? 0),
                            outputTokens: 0
                        ),
                        durationMs: Self.milliseconds(since: started)
                    )
                )
                done(.success(JSONValue.object([("vectors", vectors), ("model", .string(target.alias))]).text))
            case .success(let response):
                let error = AIProviderError(
                    status: response.status,
                    headers: response.headers,
                    body: response.body,
                    redacting: [key]
                )
                done(.failure(AICallError(code: "AI_PROVIDER", message: "\(target.provider): \(error.message)")))
            case .failure(let error):
                done(.failure(AICallError(code: error.timedOut ? "AI_TIMEOUT" : "AI_PROVIDER", message: error.message)))
            }
        }
    }

    /// Provider requests: any address (the owner chose it), `stallSeconds` of silence ends a call
    /// (`fazt serve --ai-stall-seconds`), `ai:` errors.
    func policy(timeoutSeconds: Int = 600) -> EgressPolicy {
        var policy = EgressPolicy(allowPrivate: true)
        policy.timeoutSeconds = timeoutSeconds
        policy.stallSeconds = stallSeconds
        policy.maxResponseBytes = 32 << 20
        policy.maxRedirects = 0
        policy.label = "ai"
        return policy
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}

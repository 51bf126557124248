import FaztNet
import Foundation

/// One app `fetch`, performed by the daemon: limits, credentials, the transfer on the egress loop,
/// one retry after a connection's 401, redaction, the call record and the `fetched` reply.
final class FetchCall: Sendable {
    let fetch: WorkerFrame.Fetch
    let policy: EgressPolicy
    let limits: EgressLimits
    let record: (@Sendable (EgressRecord) -> Void)?
    let send: @Sendable (WorkerFrame.Fetched) -> Void
    private let started = ContinuousClock.now
    private let entry: EgressRecord

    init(
        _ fetch: WorkerFrame.Fetch,
        policy: EgressPolicy,
        limits: EgressLimits,
        record: (@Sendable (EgressRecord) -> Void)?,
        send: @escaping @Sendable (WorkerFrame.Fetched) -> Void
    ) {
        self.fetch = fetch
        self.policy = policy
        self.limits = limits
        self.record = record
        self.send = send
        entry = EgressRecord(
            app: fetch.app,
            at: Int64(Date().timeIntervalSince1970 * 1000),
            host: HostAllowlist.host(of: fetch.url) ?? "",
            method: fetch.method.uppercased(),
            status: 0,
            bytes: 0,
            durationMs: 0,
            error: nil
        )
    }

    /// Starts the call; `credentials` fills in secrets and connection tokens when it asks for any.
    func start(credentials: (any OutboundCredentials)?) {
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
        guard request.wantsCredentials(fetch.auth) else {
            perform(PreparedRequest(request: request), retried: false)
            return
        }
        guard let credentials else {
            finish(
                .failure(
                    EgressError(message: "fetch: secrets and connections are not available here", code: "NET_AUTH")
                )
            )
            return
        }
        credentials.prepare(request, app: fetch.app, auth: fetch.auth) { [self] result in
            switch result {
            case .success(let prepared): perform(prepared, retried: false)
            case .failure(let error): finish(.failure(error))
            }
        }
    }

    private func perform(_ prepared: PreparedRequest, retried: Bool) {
        var policy = policy
        policy.credentialHosts = prepared.credentialHosts
        EgressLoop.shared.submit(prepared.request, policy: policy) { [self] result in
            if case .success(let response) = result, response.status == 401, !retried,
                let retry = prepared.retryUnauthorized
            {
                // The connection's token was refused: refresh it (once) and send the call again.
                retry { [self] next in
                    switch next {
                    case .success(let again): perform(again, retried: true)
                    case .failure(let error): finish(.failure(error))
                    }
                }
                return
            }
            finish(result.map { Self.redacted($0, by: prepared.redactor) })
        }
    }

    private static func redacted(_ response: EgressResponse, by redactor: Redactor) -> EgressResponse {
        guard !redactor.isEmpty else { return response }
        var clean = response
        clean.body = redactor.redact(response.body)
        clean.headers = response.headers.map { ($0.0, redactor.redact($0.1)) }
        clean.url = redactor.redact(response.url)
        return clean
    }

    private func finish(_ result: Result<EgressResponse, EgressError>) {
        limits.finished(app: fetch.app)
        switch result {
        case .success(let response):
            var success = entry
            success.status = response.status
            success.bytes = response.body.count
            success.durationMs = Self.milliseconds(since: started)
            record?(success)
            send(
                .init(
                    id: fetch.id,
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

    private func failed(_ error: EgressError) {
        var failure = entry
        failure.error = error.code ?? (error.timedOut ? "NET_TIMEOUT" : "NET_ERROR")
        failure.durationMs = Self.milliseconds(since: started)
        record?(failure)
        // A code travels as a `CODE: ` prefix; the prelude's fetch turns it into `err.code`.
        let message = error.code.map { "\($0): \(error.message)" } ?? error.message
        send(.init(id: fetch.id, outcome: .failure(message: message)))
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}

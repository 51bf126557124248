import FaztNet
import FaztTestSupport
import Foundation
import Synchronization
import Testing

@testable import FaztRuntime

/// `FetchCall` with credentials: one refresh-and-retry after a 401, redaction of what was sent.
@Suite struct FetchCallTests {
    /// Hands out `old-token-1`, and `new-token-2` after a refresh (or a refusal when `refreshFails`).
    final class FakeConnection: OutboundCredentials {
        let refreshes = Atomic<Int>(0)
        let refreshFails: Bool

        init(refreshFails: Bool = false) { self.refreshFails = refreshFails }

        func prepare(
            _ request: EgressRequest,
            app: String,
            auth: FetchAuth,
            completion: @escaping @Sendable (Result<PreparedRequest, EgressError>) -> Void
        ) {
            completion(.success(carrying("old-token-1", request)))
        }

        private func carrying(_ token: String, _ request: EgressRequest) -> PreparedRequest {
            var prepared = PreparedRequest(request: request)
            prepared.request.headers.append(("Authorization", "Bearer \(token)"))
            prepared.redactor.add(Array(token.utf8))
            prepared.credentialHosts = [HostAllowlist(["127.0.0.1"])]
            prepared.retryUnauthorized = { [self] retry in
                refreshes.add(1, ordering: .relaxed)
                if refreshFails {
                    retry(.failure(EgressError(message: "fetch: connection gh is broken", code: "NET_AUTH")))
                } else {
                    retry(.success(carrying("new-token-2", request)))
                }
            }
            return prepared
        }
    }

    func run(_ credentials: FakeConnection, port: Int) -> WorkerFrame.Fetched.Outcome? {
        let fetch = WorkerFrame.Fetch(
            id: 1,
            app: "blog",
            url: "http://127.0.0.1:\(port)/x",
            method: "GET",
            headers: [],
            body: nil,
            auth: FetchAuth(connection: "gh")
        )
        var policy = EgressPolicy(allowPrivate: true)
        policy.timeoutSeconds = 5
        let result = Mutex<WorkerFrame.Fetched.Outcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        FetchCall(fetch, policy: policy, limits: EgressLimits(), record: nil) { fetched in
            result.withLock { $0 = fetched.outcome }
            done.signal()
        }
        .start(credentials: credentials)
        _ = done.wait(timeout: .now() + 10)
        return result.withLock { $0 }
    }

    @Test func aRefusedTokenIsRefreshedOnceAndTheCallSentAgain() throws {
        let upstream = try LoopbackReceiver(.http)
        upstream.respond { request in
            let auth = request.headers["authorization"] ?? ""
            return auth == "Bearer new-token-2" ? (200, "you sent \(auth)") : (401, "bad \(auth)")
        }
        let credentials = FakeConnection()
        let outcome = run(credentials, port: upstream.port)
        guard case .response(let status, _, let body, _) = outcome else {
            Issue.record("no response: \(String(describing: outcome))")
            return
        }
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self) == "you sent Bearer [REDACTED]")
        #expect(credentials.refreshes.load(ordering: .relaxed) == 1)
        #expect(upstream.all.map { $0.headers["authorization"] } == ["Bearer old-token-1", "Bearer new-token-2"])
    }

    @Test func aSecond401IsTheAnswerAndAFailedRefreshIsTheError() throws {
        let upstream = try LoopbackReceiver(.http)
        upstream.respond { _ in (401, "no") }
        let credentials = FakeConnection()
        guard case .response(let status, _, _, _) = run(credentials, port: upstream.port) else {
            Issue.record("no response")
            return
        }
        #expect(status == 401, "no second refresh: the app gets the provider's answer")
        #expect(credentials.refreshes.load(ordering: .relaxed) == 1 && upstream.all.count == 2)
        let broken = run(FakeConnection(refreshFails: true), port: upstream.port)
        guard case .failure(let message) = broken else {
            Issue.record("expected a failure: \(String(describing: broken))")
            return
        }
        #expect(message.hasPrefix("NET_AUTH: ") && message.contains("broken"), "\(message)")
    }
}

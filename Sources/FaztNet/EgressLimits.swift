import Synchronization

/// Per-app bounds on app `fetch`: requests in flight at once and requests per minute.
///
/// Shared by every worker; `admit` either counts a request in or refuses it with `NET_LIMIT`
/// (naming the limit and the `fazt serve` flag); each admitted request calls `finished` once.
public final class EgressLimits: Sendable {
    public let concurrency: Int
    public let perMinute: Int
    private struct Usage {
        var inFlight = 0
        var windowStart: ContinuousClock.Instant
        var inWindow = 0
    }
    private let usage = Mutex<[String: Usage]>([:])

    public init(concurrency: Int = 16, perMinute: Int = 600) {
        self.concurrency = max(1, concurrency)
        self.perMinute = max(1, perMinute)
    }

    /// Counts a request of `app` in, or the `NET_LIMIT` refusal.
    public func admit(app: String) -> EgressError? {
        let now = ContinuousClock.now
        return usage.withLock { table -> EgressError? in
            var entry = table[app] ?? Usage(windowStart: now)
            if now - entry.windowStart >= .seconds(60) {
                entry.windowStart = now
                entry.inWindow = 0
            }
            if entry.inFlight >= concurrency {
                return EgressError(
                    message:
                        "fetch: \(concurrency) requests of this app are already in flight (the limit; fazt serve --egress-concurrency)",
                    code: "NET_LIMIT"
                )
            }
            if entry.inWindow >= perMinute {
                return EgressError(
                    message:
                        "fetch: this app made \(perMinute) requests in the last minute (the limit; fazt serve --egress-per-minute)",
                    code: "NET_LIMIT"
                )
            }
            entry.inFlight += 1
            entry.inWindow += 1
            table[app] = entry
            return nil
        }
    }

    /// Ends a request `admit` counted in.
    public func finished(app: String) {
        usage.withLock { table in
            guard var entry = table[app] else { return }
            entry.inFlight = max(0, entry.inFlight - 1)
            table[app] = entry
        }
    }
}

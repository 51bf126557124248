import Synchronization

/// Requests and 5xx errors per minute by app label over the last hour, for the dashboard's
/// "requests and errors over time" charts (the metrics counters only say "so far").
///
/// Fed once a minute with the request counters' totals (`sample`); each minute's figure is the
/// difference from the previous sample. In memory only: a restart starts a fresh hour.
final class TrafficHistory: Sendable {
    struct Series: Sendable, Equatable {
        /// Oldest first, one per minute.
        var requests: [UInt64] = []
        var errors: [UInt64] = []
    }

    private struct State {
        var last: [String: (requests: UInt64, errors: UInt64)]?
        var lastAt: Int64 = 0
        var series: [String: Series] = [:]
    }

    /// Minutes kept.
    static let minutes = 60
    /// App labels kept (the same bound as the metrics').
    static let maxApps = RequestMetrics.maxApps

    private let state = Mutex(State())

    init() {}

    /// Records the minute since the previous sample, given the counters' totals now.
    func sample(_ totals: [String: (requests: UInt64, errors: UInt64)], at now: Int64) {
        state.withLock { state in
            defer {
                state.last = totals
                state.lastAt = now
            }
            guard let last = state.last else { return }
            let apps = Set(totals.keys).union(state.series.keys)
            // Minutes kept before this sample (every series has as many).
            let filled = state.series.values.first?.requests.count ?? 0
            for app in apps {
                let current = totals[app] ?? last[app] ?? (0, 0)
                let before = last[app] ?? (0, 0)
                var entry = state.series[app] ?? Series()
                if state.series[app] == nil {
                    // A new label starts with zeros back to the first sample of the hour.
                    guard state.series.count < Self.maxApps else { continue }
                    entry.requests = Array(repeating: 0, count: filled)
                    entry.errors = Array(repeating: 0, count: filled)
                }
                entry.requests.append(current.requests &- min(before.requests, current.requests))
                entry.errors.append(current.errors &- min(before.errors, current.errors))
                if entry.requests.count > Self.minutes {
                    entry.requests.removeFirst(entry.requests.count - Self.minutes)
                    entry.errors.removeFirst(entry.errors.count - Self.minutes)
                }
                if entry.requests.allSatisfy({ $0 == 0 }) && totals[app] == nil {
                    state.series[app] = nil
                } else {
                    state.series[app] = entry
                }
            }
        }
    }

    /// The kept minutes by app, plus the minute in progress (from `totals` now) as the last value;
    /// and when the last full minute ended (epoch ms, 0 before the first sample).
    func view(current totals: [String: (requests: UInt64, errors: UInt64)]) -> (series: [String: Series], since: Int64)
    {
        state.withLock { state in
            var out = state.series
            let last = state.last ?? [:]
            for (app, now) in totals {
                var entry =
                    out[app]
                    ?? Series(
                        requests: Array(repeating: 0, count: out.values.first?.requests.count ?? 0),
                        errors: Array(repeating: 0, count: out.values.first?.errors.count ?? 0)
                    )
                let before = last[app] ?? (0, 0)
                entry.requests.append(now.requests &- min(before.requests, now.requests))
                entry.errors.append(now.errors &- min(before.errors, now.errors))
                out[app] = entry
            }
            return (out, state.lastAt)
        }
    }
}

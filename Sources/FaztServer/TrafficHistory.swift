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

        /// `minutes` minutes without traffic (a label new to the hour).
        static func quiet(_ minutes: Int) -> Series {
            Series(requests: Array(repeating: 0, count: minutes), errors: Array(repeating: 0, count: minutes))
        }

        /// Appends the minute between the totals `before` and `now` (a counter never goes back; a
        /// lower figure counts as none).
        mutating func append(
            from before: (requests: UInt64, errors: UInt64),
            to now: (requests: UInt64, errors: UInt64)
        ) {
            requests.append(now.requests &- min(before.requests, now.requests))
            errors.append(now.errors &- min(before.errors, now.errors))
        }
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
                // A new label starts with zeros back to the first sample of the hour.
                guard state.series[app] != nil || state.series.count < Self.maxApps else { continue }
                var entry = state.series[app] ?? .quiet(filled)
                entry.append(from: last[app] ?? (0, 0), to: current)
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
            // Counted before any series grows by the minute in progress: a label new to the hour
            // gets as many quiet minutes as the others kept, whatever the dictionary's order.
            let filled = state.series.values.first?.requests.count ?? 0
            for (app, now) in totals {
                var entry = out[app] ?? .quiet(filled)
                entry.append(from: last[app] ?? (0, 0), to: now)
                out[app] = entry
            }
            return (out, state.lastAt)
        }
    }
}

import Glibc

/// Request counts and durations of the connections of one event loop.
///
/// Lock-free on the hot path: only handlers of its own loop record into it (plain stores, no
/// atomics); a scrape reads it by running `snapshot()` on that loop, and `MetricsRegistry` adds
/// the loops' snapshots together.
final class RequestMetrics: @unchecked Sendable {
    // Safe: touched only on the thread of the event loop it belongs to.

    /// Upper bounds of the duration histogram, in seconds (`le` labels).
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private static let boundsNanos: [UInt64] = bounds.map { UInt64($0 * 1e9) }
    /// Distinct app labels kept per loop; more fold into `_other` (Host headers are client input).
    static let maxApps = 1000
    /// The label of requests beyond `maxApps`.
    static let overflowApp = "_other"

    /// One app's figures.
    struct Series: Sendable {
        /// Responses by status class: index 0 is 1xx (upgrades), 4 is 5xx.
        var byClass: [UInt64] = [0, 0, 0, 0, 0]
        /// Non-cumulative histogram counts: `buckets[i]` counts durations in (bounds[i-1], bounds[i]];
        /// the last one counts those above every bound.
        var buckets = [UInt64](repeating: 0, count: RequestMetrics.bounds.count + 1)
        var sumNanos: UInt64 = 0

        mutating func add(_ other: Series) {
            for index in byClass.indices { byClass[index] &+= other.byClass[index] }
            for index in buckets.indices { buckets[index] &+= other.buckets[index] }
            sumNanos &+= other.sumNanos
        }
    }

    private final class Box {
        var series = Series()
    }

    private var apps: [String: Box] = [:]
    private var lastName = ""
    private var last: Box?

    init() {}

    /// Monotonic nanoseconds (the vDSO clock, no system call).
    @inline(__always)
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Records one response with status `code` to a request for `app`, answered `started` (from `now()`).
    func record(app: String, code: UInt, started: UInt64) {
        let elapsed = Self.now() &- started
        let box = series(for: app)
        let statusClass = min(max(Int(code / 100), 1), 5) - 1
        box.series.byClass[statusClass] &+= 1
        var bucket = 0
        let bounds = Self.boundsNanos
        while bucket < bounds.count, elapsed > bounds[bucket] { bucket += 1 }
        box.series.buckets[bucket] &+= 1
        box.series.sumNanos &+= elapsed
    }

    @inline(__always)
    private func series(for app: String) -> Box {
        if let last, lastName == app { return last }
        let box: Box
        if let existing = apps[app] {
            box = existing
        } else if apps.count >= Self.maxApps {
            box = overflow()
        } else {
            box = Box()
            apps[app] = box
        }
        last = box
        lastName = app
        return box
    }

    private func overflow() -> Box {
        if let box = apps[Self.overflowApp] { return box }
        let box = Box()
        apps[Self.overflowApp] = box
        return box
    }

    /// A copy of every app's figures (call on this loop).
    func snapshot() -> [String: Series] {
        apps.mapValues(\.series)
    }
}

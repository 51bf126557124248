import NIOCore
import NIOPosix
import Synchronization

/// Everything `/_fazt/metrics` shows: the request figures of every event loop, and sources —
/// closures that return families at scrape time.
///
/// A part of the server that has something to report registers a source once (`register(_:_:)`);
/// a source runs on the thread pool at each scrape, so it may read `/proc`, stat files or query the
/// database, and it returns no family when it has no value yet (backup age before the first
/// backup, certificate expiry without HTTPS). Sources never run on the request path.
public final class MetricsRegistry: Sendable {
    /// Builds families at scrape time.
    public typealias Source = @Sendable () -> [MetricFamily]

    private struct State {
        var loops: [(any EventLoop, RequestMetrics)] = []
        var sources: [(name: String, source: Source)] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Adds the source named `name`, or replaces the one already registered under that name.
    ///
    /// Families render in registration order; each family name must come from one source only.
    public func register(_ name: String, _ source: @escaping Source) {
        state.withLock { state in
            if let index = state.sources.firstIndex(where: { $0.name == name }) {
                state.sources[index].source = source
            } else {
                state.sources.append((name, source))
            }
        }
    }

    /// The per-loop request figures to add up at each scrape (the HTTP server's event loops).
    func attach(_ loops: [(any EventLoop, RequestMetrics)]) {
        state.withLock { $0.loops = loops }
    }

    /// Every family — request figures (read on their loops), then each source's — rendered in the
    /// text format (UTF-8) on `pool`.
    func render(pool: NIOThreadPool, on loop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        gather(pool: pool, on: loop) { PrometheusText.renderBytes($0) }
    }

    private func gather<T: Sendable>(
        pool: NIOThreadPool,
        on loop: any EventLoop,
        _ finish: @escaping @Sendable ([MetricFamily]) -> T
    ) -> EventLoopFuture<T> {
        let (loops, sources) = state.withLock { ($0.loops, $0.sources) }
        let snapshots = loops.map { loop, metrics in loop.submit { metrics.snapshot() } }
        return EventLoopFuture.whenAllSucceed(snapshots, on: loop).flatMap { snapshots in
            pool.runIfActive(eventLoop: loop) {
                var merged: [String: RequestMetrics.Series] = [:]
                for snapshot in snapshots {
                    for (app, series) in snapshot { merged[app, default: .init()].add(series) }
                }
                return finish(Self.requestFamilies(merged) + sources.flatMap { $0.source() })
            }
        }
    }

    /// Responses so far by app label, every loop added up: (all, 5xx).
    func requestTotals() async throws -> [String: (requests: UInt64, errors: UInt64)] {
        let loops = state.withLock { $0.loops }
        guard let first = loops.first?.0 else { return [:] }
        let snapshots = try await EventLoopFuture.whenAllSucceed(
            loops.map { loop, metrics in loop.submit { metrics.snapshot() } },
            on: first
        ).get()
        var totals: [String: (requests: UInt64, errors: UInt64)] = [:]
        for snapshot in snapshots {
            for (app, series) in snapshot {
                let sum = series.byClass.reduce(0, &+)
                let before = totals[app] ?? (0, 0)
                totals[app] = (before.requests &+ sum, before.errors &+ series.byClass[4])
            }
        }
        return totals
    }

    static let statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"]
    /// The `le` label of each bucket, formatted once.
    static let bucketLabels = RequestMetrics.bounds.map { PrometheusText.format($0) } + ["+Inf"]

    /// `fazt_http_requests_total{app,code}` and `fazt_http_request_duration_seconds{app}`.
    static func requestFamilies(_ series: [String: RequestMetrics.Series]) -> [MetricFamily] {
        var requests = MetricFamily(
            "fazt_http_requests_total",
            .counter,
            help:
                "HTTP responses by app (the host's app label; _fazt: the owner's domain, _unknown: unknown hosts) and status class."
        )
        var durations = MetricFamily(
            "fazt_http_request_duration_seconds",
            .histogram,
            help: "Time from a complete request to its response being written, by app."
        )
        for app in series.keys.sorted() {
            guard let figures = series[app] else { continue }
            for (index, statusClass) in statusClasses.enumerated() where figures.byClass[index] > 0 {
                requests.samples.append(
                    .init(labels: [("app", app), ("code", statusClass)], value: Double(figures.byClass[index]))
                )
            }
            var cumulative: UInt64 = 0
            for (index, label) in bucketLabels.enumerated() {
                cumulative += figures.buckets[index]
                durations.samples.append(
                    .init(suffix: "_bucket", labels: [("app", app), ("le", label)], value: Double(cumulative))
                )
            }
            durations.samples.append(
                .init(suffix: "_sum", labels: [("app", app)], value: Double(figures.sumNanos) / 1e9)
            )
            durations.samples.append(.init(suffix: "_count", labels: [("app", app)], value: Double(cumulative)))
        }
        return [requests, durations]
    }
}

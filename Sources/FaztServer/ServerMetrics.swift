import FaztBackup
import FaztKernel
import FaztRuntime
import FaztScheduler
import FaztStorage
import FaztStore
import Foundation

/// The server's own metric sources, registered once when the services are built.
///
/// Each reads figures its part keeps anyway (counters under locks it already takes, `/proc`, a
/// `stat` of the WAL, two indexed counts of the jobs table); nothing here runs on the request path.
enum ServerMetrics {
    /// The version `fazt_build_info` reports (the same as `fazt --version`, in FaztCommand).
    static let version = "0.1.0"

    static func register(_ services: ServerServices) {
        let registry = services.metrics
        registry.register("build") { [build()] }
        registry.register("process") { ProcessMetrics.families() }
        let backups = services.backups
        registry.register("backup") { backupFamilies(try? backups.status()) }
        let cache = services.blobCache
        registry.register("static-cache") {
            let lookups = cache.lookups
            return [
                .single(
                    "fazt_static_cache_hits_total",
                    .counter,
                    help: "Static file lookups answered from the in-memory blob cache.",
                    value: Double(lookups.hits)
                ),
                .single(
                    "fazt_static_cache_misses_total",
                    .counter,
                    help: "Static file lookups that read the blob from the database.",
                    value: Double(lookups.misses)
                ),
                .single(
                    "fazt_static_cache_bytes",
                    .gauge,
                    help: "Bytes held by the static blob cache.",
                    value: Double(cache.bytes)
                ),
            ]
        }
        let supervisor = services.supervisor
        registry.register("js") { javaScript(supervisor) }
        let store = services.store
        registry.register("store") { storeFamilies(store) }
        let scheduler = services.scheduler
        registry.register("jobs") { jobs(scheduler, store: store) }
        let hub = services.realtime.hub
        registry.register("realtime") {
            let open = hub.openCounts
            return [
                .single(
                    "fazt_realtime_sockets",
                    .gauge,
                    help: "Open WebSockets and SSE streams.",
                    value: Double(open.sockets)
                ),
                .single(
                    "fazt_realtime_channels",
                    .gauge,
                    help: "Channels with at least one subscriber.",
                    value: Double(open.channels)
                ),
                .single(
                    "fazt_realtime_slow_consumer_closes_total",
                    .counter,
                    help: "Sockets closed because they did not read fast enough.",
                    value: Double(hub.slowConsumerCloses)
                ),
            ]
        }
        let ai = services.ai
        registry.register("ai") { aiFamilies(ai.totals.withLock { $0 }) }
    }

    static func build() -> MetricFamily {
        #if swift(>=6.3)
        let swift = "6.3"
        #else
        let swift = "6"
        #endif
        return MetricFamily(
            "fazt_build_info",
            .gauge,
            help: "Always 1; labels carry the version of the running fazt and of the Swift compiler that built it.",
            samples: [.init(labels: [("version", version), ("swift", swift)], value: 1)]
        )
    }

    static func javaScript(_ supervisor: Supervisor) -> [MetricFamily] {
        let outcomes = supervisor.invocationOutcomes
        var families = [
            MetricFamily.labelled(
                "fazt_js_invocations_total",
                .counter,
                help: "Finished JavaScript invocations (requests, jobs, events) by outcome: ok or the failure kind.",
                label: "outcome",
                values: ["ok", "exception", "timeout", "memory", "crash"].map { ($0, Double(outcomes[$0] ?? 0)) }
                    + outcomes.keys.sorted().filter { !["ok", "exception", "timeout", "memory", "crash"].contains($0) }
                    .map { ($0, Double(outcomes[$0] ?? 0)) }
            )
        ]
        families.append(
            .labelled(
                "fazt_js_limit_kills_total",
                .counter,
                help: "Invocations stopped because they passed their time or memory limit.",
                label: "limit",
                values: [("time", Double(outcomes["timeout"] ?? 0)), ("memory", Double(outcomes["memory"] ?? 0))]
            )
        )
        families.append(
            .single(
                "fazt_js_workers",
                .gauge,
                help: "Live JavaScript worker processes.",
                value: Double(supervisor.workerCount)
            )
        )
        families.append(
            .single(
                "fazt_js_workers_resident_memory_bytes",
                .gauge,
                help: "Resident memory of all JavaScript worker processes together.",
                value: Double(supervisor.workerResidentBytes)
            )
        )
        return families
    }

    static func storeFamilies(_ store: Store) -> [MetricFamily] {
        let commits = store.commitStats
        func size(_ path: String) -> Double {
            var info = stat()
            return stat(path, &info) == 0 ? Double(info.st_size) : 0
        }
        return [
            .single(
                "fazt_store_write_queue_depth",
                .gauge,
                help: "Writes queued for the database writer and not yet started.",
                value: Double(store.pendingWrites)
            ),
            MetricFamily(
                "fazt_store_commit_duration_seconds",
                .summary,
                help: "Group commits of the database writer and their time from BEGIN to COMMIT.",
                samples: [
                    .init(suffix: "_sum", value: commits.seconds),
                    .init(suffix: "_count", value: Double(commits.count)),
                ]
            ),
            .single("fazt_store_database_bytes", .gauge, help: "Size of data.db.", value: size(store.path)),
            .single(
                "fazt_store_wal_bytes",
                .gauge,
                help: "Size of the write-ahead log (data.db-wal).",
                value: size(store.path + "-wal")
            ),
        ]
    }

    static func jobs(_ scheduler: Scheduler, store: Store) -> [MetricFamily] {
        let now = StorageExecutor.wallClock()
        let counts = try? store.read { connection in
            try connection.queryOne(
                "SELECT COUNT(*), COALESCE(SUM(run_at < ?), 0) FROM jobs WHERE status = 'pending'",
                [.integer(now - Scheduler.lateAfterMs)]
            ) { ($0.int64(0), $0.int64(1)) }
        }
        let fired = scheduler.firedCounts
        var families: [MetricFamily] = []
        if let (pending, overdue) = counts ?? nil {
            families.append(
                .single("fazt_jobs_pending", .gauge, help: "Jobs waiting for their time.", value: Double(pending))
            )
            families.append(
                .single(
                    "fazt_jobs_overdue",
                    .gauge,
                    help: "Pending jobs more than one second past their due time.",
                    value: Double(overdue)
                )
            )
        }
        families.append(
            .single("fazt_jobs_running", .gauge, help: "Jobs running now.", value: Double(scheduler.runningCount))
        )
        families.append(
            .single(
                "fazt_jobs_fired_total",
                .counter,
                help: "Jobs fired (timers, cron, event deliveries, notifications).",
                value: Double(fired.fired)
            )
        )
        families.append(
            .single(
                "fazt_jobs_fired_late_total",
                .counter,
                help: "Jobs that fired more than one second after they were due.",
                value: Double(fired.late)
            )
        )
        return families
    }

    static func aiFamilies(_ totals: AIUsageTotals) -> [MetricFamily] {
        [
            .labelled(
                "fazt_ai_calls_total",
                .counter,
                help: "AI model calls finished, by outcome.",
                label: "outcome",
                values: [("ok", Double(totals.calls - totals.failedCalls)), ("failed", Double(totals.failedCalls))]
            ),
            .labelled(
                "fazt_ai_tokens_total",
                .counter,
                help: "AI tokens used, by kind.",
                label: "kind",
                values: [
                    ("input", Double(totals.inputTokens)), ("output", Double(totals.outputTokens)),
                    ("cache_read", Double(totals.cacheReadTokens)), ("cache_write", Double(totals.cacheWriteTokens)),
                ]
            ),
            .single(
                "fazt_ai_cost_dollars_total",
                .counter,
                help: "Estimated cost of AI calls, in US dollars.",
                value: Double(totals.costMicros) / 1_000_000
            ),
        ]
    }

    /// The last backup's result, age, size and duration; nothing before the first attempt.
    static func backupFamilies(_ status: BackupStatus?) -> [MetricFamily] {
        guard let status, let ok = status.lastOK else { return [] }
        let gauges: [(String, String, Double?)] = [
            ("fazt_backup_last_success", "1 when the last backup succeeded, 0 when it failed.", ok ? 1 : 0),
            (
                "fazt_backup_age_seconds", "Seconds since the last successful backup.",
                status.ageSeconds(now: WallClock.nowMilliseconds())
            ),
            ("fazt_backup_last_bytes", "Compressed size of the last backup.", status.lastBytes.map(Double.init)),
            (
                "fazt_backup_last_duration_seconds", "How long the last backup took.",
                status.lastDurationMs.map { Double($0) / 1000 }
            ),
        ]
        return gauges.compactMap { name, help, value in value.map { .single(name, .gauge, help: help, value: $0) } }
    }
}

import FaztScheduler
import FaztStore
import FaztTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The scheduler service over a real `data.db`, with a settable clock and a recording `fire`.
@Suite struct SchedulerServiceTests {
    final class Harness: Sendable {
        let directory: TemporaryDirectory
        let store: Store
        let now = Atomic<Int64>(1_800_000_000_000)
        let fired = Mutex<[Job]>([])
        let failing = Atomic<Bool>(false)

        init() throws {
            directory = try TemporaryDirectory()
            var configuration = StoreConfiguration()
            configuration.syncsWAL = false
            store = try Store(path: directory.path + "/data.db", configuration: configuration)
        }

        func scheduler() -> Scheduler {
            Scheduler(
                store: store,
                clock: { [self] in now.load(ordering: .relaxed) },
                logger: Logger(label: "test"),
                fire: { [self] invocation, done in
                    fired.withLock { $0.append(invocation.job) }
                    done(failing.load(ordering: .relaxed) ? JobOutcome(failure: ("exception", "boom")) : JobOutcome())
                }
            )
        }

        func insert(_ job: Job) throws -> Int64 {
            let now = now.load(ordering: .relaxed)
            return try store.writeBlocking { try JobStore.insert($0, job, now: now).id }
        }

        func count(_ sql: String) throws -> Int {
            try store.read { try $0.queryOne(sql) { $0.int(0) } } ?? -1
        }

        /// Polls until `condition` holds (the scheduler works on its own thread).
        func eventually(_ condition: () throws -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if (try? condition()) == true { return true }
                usleep(5_000)
            }
            return false
        }
    }

    @Test func startRecoversCrashedRunsAndAppliesMisfirePolicies() throws {
        let harness = try Harness()
        let now = harness.now.load(ordering: .relaxed)
        let overdue = try harness.insert(Job(kind: "timer", app: "a", handler: "j.js", state: "1", runAt: now - 60_000))
        var skip = Job(kind: "timer", app: "a", handler: "j.js", state: "2", runAt: now - 60_000)
        skip.misfire = "skip"
        let skipped = try harness.insert(skip)
        var cron = Job(
            kind: "cron",
            app: "a",
            handler: "c.js",
            state: #"{"cron":"0 * * * *","tz":null,"overlap":"skip"}"#,
            runAt: now - 60_000
        )
        cron.misfire = "skip"
        cron.name = "hourly"
        let cronID = try harness.insert(cron)
        let crashed = try harness.insert(Job(kind: "timer", app: "a", handler: "j.js", state: "3", runAt: now - 5_000))
        _ = try harness.store.writeBlocking { try JobStore.claim($0, id: crashed, now: now) }
        let later = try harness.insert(
            Job(kind: "timer", app: "b", handler: "j.js", state: "4", runAt: now + 3_600_000)
        )

        let scheduler = harness.scheduler()
        try scheduler.start()
        defer { scheduler.stop(grace: 5) }
        #expect(harness.eventually { harness.fired.withLock { $0.count } == 2 })
        let fired = Set(harness.fired.withLock { $0.map(\.id) })
        #expect(fired == [overdue, crashed], "overdue and interrupted jobs run once at start")
        #expect(harness.eventually { try harness.count("SELECT COUNT(*) FROM jobs WHERE kind = 'timer'") == 1 })
        #expect(try harness.count("SELECT COUNT(*) FROM jobs WHERE id = \(skipped)") == 0, "skip drops a missed timer")
        #expect(try harness.count("SELECT COUNT(*) FROM runs WHERE job = \(skipped) AND outcome = 'skipped'") == 1)
        let cronNext = try harness.store.read { try JobStore.find($0, app: "a", id: cronID, key: nil) }
        #expect(
            cronNext?.runAt ?? 0 > now && cronNext?.status == "pending",
            "a skipped cron moves to its next occurrence"
        )
        #expect(try harness.count("SELECT COUNT(*) FROM jobs WHERE id = \(later) AND status = 'pending'") == 1)
        #expect(scheduler.heldCount == 0, "a job an hour away is not held in memory")
    }

    @Test func failuresRetryWithBackoffOnTheClockThenDie() throws {
        let harness = try Harness()
        harness.failing.store(true, ordering: .relaxed)
        var job = Job(
            kind: "timer",
            app: "a",
            handler: "j.js",
            state: "null",
            runAt: harness.now.load(ordering: .relaxed)
        )
        job.retries = 2
        job.backoffMs = 10_000
        let id = try harness.insert(job)
        let died = Mutex<[String]>([])
        let scheduler = harness.scheduler()
        scheduler.onDead = { _, error in died.withLock { $0.append(error) } }
        try scheduler.start()
        defer { scheduler.stop(grace: 5) }
        #expect(harness.eventually { harness.fired.withLock { $0.count } == 1 })
        // The retry waits for its backoff (10 s ± 20%) on the injected clock.
        #expect(
            harness.eventually {
                try harness.count("SELECT COUNT(*) FROM jobs WHERE id = \(id) AND status = 'pending'") == 1
            }
        )
        let retryAt = try harness.store.read { try JobStore.find($0, app: "a", id: id, key: nil) }?.runAt ?? 0
        let now = harness.now.load(ordering: .relaxed)
        #expect(retryAt >= now + 8_000 && retryAt <= now + 12_000)
        #expect(harness.fired.withLock { $0.count } == 1, "not before its time")
        harness.now.store(now + 12_001, ordering: .relaxed)
        #expect(harness.eventually { harness.fired.withLock { $0.count } == 2 })
        #expect(
            harness.eventually {
                try harness.count("SELECT COUNT(*) FROM jobs WHERE id = \(id) AND status = 'pending'") == 1
            }
        )
        // The second backoff doubles (20 s ± 20%).
        harness.now.store(now + 12_001 + 24_001, ordering: .relaxed)
        #expect(harness.eventually { died.withLock { $0.count } == 1 })
        #expect(harness.fired.withLock { $0.map(\.attempt) } == [1, 2, 3])
        #expect(try harness.count("SELECT COUNT(*) FROM jobs WHERE id = \(id) AND status = 'dead'") == 1)
        #expect(try harness.count("SELECT COUNT(*) FROM runs WHERE job = \(id)") == 3)
    }

    @Test func runHistoryIsTrimmedByCountAndAge() throws {
        let harness = try Harness()
        let now = harness.now.load(ordering: .relaxed)
        try harness.store.writeBlocking { connection in
            for index in 0..<200 {
                let age: Int64 = index < 5 ? 8 * 86_400_000 : 1_000
                let run = Run(
                    app: "a",
                    kind: "job",
                    handler: "j.js",
                    startedAt: now - age,
                    durationMs: 1,
                    outcome: "ok"
                )
                try RunLog.record(connection, run, keep: 10)
                if index < 3 {
                    let other = Run(
                        app: "b",
                        kind: "job",
                        handler: "j.js",
                        startedAt: now,
                        durationMs: 1,
                        outcome: "ok"
                    )
                    try RunLog.record(connection, other, keep: 10)
                }
            }
        }
        // Trimmed as runs are recorded (every 64th id): never more than keep + 64 per app.
        let kept = try harness.count("SELECT COUNT(*) FROM runs WHERE app = 'a'")
        #expect(kept >= 10 && kept <= 10 + 64)
        #expect(try harness.count("SELECT COUNT(*) FROM runs WHERE app = 'b'") == 3)
        let newest = try harness.store.read { try RunLog.list($0, app: "a", kind: nil, limit: 10, before: nil) }
        #expect(newest.count == 10 && newest.allSatisfy { $0.startedAt == now - 1_000 })
        #expect(try harness.store.writeBlocking { try RunLog.trim($0, app: "a", keep: 10) } == kept - 10)
        // By age, in batches.
        try harness.store.writeBlocking { connection in
            for _ in 0..<7 {
                let old = Run(
                    app: "c",
                    kind: "job",
                    handler: "j.js",
                    startedAt: now - 8 * 86_400_000,
                    durationMs: 1,
                    outcome: "ok"
                )
                try RunLog.record(connection, old)
            }
        }
        #expect(
            try harness.store.writeBlocking { try RunLog.trim($0, maxAgeMs: 7 * 86_400_000, now: now, batch: 5) } == 5
        )
        #expect(
            try harness.store.writeBlocking { try RunLog.trim($0, maxAgeMs: 7 * 86_400_000, now: now, batch: 5) } == 2
        )
        #expect(try harness.count("SELECT COUNT(*) FROM runs WHERE app = 'c'") == 0)
    }
}

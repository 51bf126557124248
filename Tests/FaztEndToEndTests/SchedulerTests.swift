import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt.schedule` through the real binary: firing, restarts, retries, fairness.
@Suite struct SchedulerTests {
    static let files = [
        js(
            "api/start.js",
            """
            module.exports = (req) => {
              const from = Number(req.query.from || 0), n = Number(req.query.n || 1), spread = Number(req.query.spread || 3000);
              const ids = [];
              for (let i = from; i < from + n; i++) ids.push(fazt.schedule(Math.floor(Math.random() * spread), { i }, { handler: "jobs/tick.js" }).id);
              return { ids };
            };
            """
        ),
        js(
            "jobs/tick.js",
            """
            exports.scheduled = (state, job) => { fazt.kv.incr("fired:" + state.i); };
            """
        ),
        js(
            "api/api.js",
            """
            module.exports = (req) => {
              const q = req.query;
              if (q.op === "self") return fazt.schedule(q.delay === undefined ? 0 : (isNaN(Number(q.delay)) ? q.delay : Number(q.delay)), { hello: "world" }, q.key ? { key: q.key } : undefined);
              if (q.op === "date") return fazt.schedule(new Date(Date.now() + 3600000), 1, { handler: "jobs/tick.js" });
              if (q.op === "iso") return fazt.schedule(new Date(Date.now() + 7200000).toISOString(), 2, { handler: "jobs/tick.js" });
              if (q.op === "get") return fazt.schedule.get(isNaN(Number(q.id)) ? q.id : Number(q.id));
              if (q.op === "cancel") return { cancelled: fazt.schedule.cancel(isNaN(Number(q.id)) ? q.id : Number(q.id)) };
              if (q.op === "list") return fazt.schedule.list({ limit: 50 });
              if (q.op === "fail") return fazt.schedule(0, null, { handler: "jobs/fail.js", retries: 2, backoff: 20 });
              try {
                if (q.op === "big") fazt.schedule(10, "x".repeat(70000));
                if (q.op === "badhandler") fazt.schedule(10, 1, { handler: "../escape.js" });
                if (q.op === "missing") fazt.schedule(10, 1, { handler: "jobs/none.js" });
                if (q.op === "baddelay") fazt.schedule("soon", 1);
              } catch (e) { return { code: e.code, message: e.message }; }
              return { code: null };
            };
            // Runs when this file is the handler (the default: the file that called schedule).
            module.exports.scheduled = (state, job) => { fazt.kv.set("self", { state, job }); };
            """
        ),
        js(
            "jobs/fail.js",
            "exports.scheduled = (state, job) => { console.log('attempt', job.attempt); throw new Error('boom ' + job.attempt); };"
        ),
    ]

    /// Polls `data.db` (read-only) until `condition` holds; false after `seconds`.
    static func waitFor(_ server: ServerProcess, seconds: Double = 30, _ condition: (Connection) throws -> Bool) -> Bool
    {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let connection = try? Connection(path: server.dataPath, readOnly: true),
                (try? condition(connection)) == true
            {
                return true
            }
            usleep(20_000)
        }
        return false
    }

    static func count(_ connection: Connection, _ sql: String) throws -> Int {
        try connection.queryOne(sql) { $0.int(0) } ?? -1
    }

    /// Fire counts per job index, from the app's KV rows.
    static func fired(_ connection: Connection, app: String) throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for (key, value) in try connection.query(
            "SELECT key, value FROM kv WHERE app = ? AND key LIKE 'fired:%'",
            [.text(app)],
            { ($0.string(0), $0.string(1)) }
        ) {
            counts[Int(key.dropFirst(6))!] = Int(value)
        }
        return counts
    }

    func schedule(_ server: ServerProcess, app: String, total: Int, batch: Int = 100, spread: Int = 3000) throws {
        for from in stride(from: 0, to: total, by: batch) {
            let response = try server.app(app, "/api/start?from=\(from)&n=\(batch)&spread=\(spread)")
            try #require(response.status == 200, "\(response.text)")
        }
    }

    @Test func thousandJobsFireExactlyOnceWithTheirState() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("jobs", try ArchiveFixtures.zip(Self.files)).status == 201)
        try schedule(server, app: "jobs", total: 1000)
        let done = Self.waitFor(server) { try Self.count($0, "SELECT COUNT(*) FROM jobs") == 0 }
        #expect(done, "every job finished")
        let connection = try Connection(path: server.dataPath, readOnly: true)
        let counts = try Self.fired(connection, app: "jobs")
        #expect(counts.count == 1000, "every state value arrived")
        #expect(counts.values.allSatisfy { $0 == 1 }, "none fired twice")
        #expect(
            try Self.count(
                connection,
                "SELECT COUNT(*) FROM runs WHERE app = 'jobs' AND kind = 'job' AND outcome = 'ok'"
            ) == 1000
        )
    }

    @Test func kill9MidwayLosesNoJob() throws {
        var server = try ServerProcess()
        #expect(try server.deploy("jobs", try ArchiveFixtures.zip(Self.files)).status == 201)
        try schedule(server, app: "jobs", total: 500)
        _ = Self.waitFor(server, seconds: 10) { try Self.count($0, "SELECT COUNT(*) FROM runs") >= 100 }
        server.kill9()
        server = try ServerProcess(reuse: server.directory)
        let done = Self.waitFor(server) { try Self.count($0, "SELECT COUNT(*) FROM jobs") == 0 }
        #expect(done, "every job finished after the restart")
        let counts = try Self.fired(try Connection(path: server.dataPath, readOnly: true), app: "jobs")
        #expect(counts.count == 500, "no job lost (at least once)")
    }

    @Test func cleanRestartFiresNothingTwice() throws {
        var server = try ServerProcess()
        #expect(try server.deploy("jobs", try ArchiveFixtures.zip(Self.files)).status == 201)
        try schedule(server, app: "jobs", total: 400)
        _ = Self.waitFor(server, seconds: 10) { try Self.count($0, "SELECT COUNT(*) FROM runs") >= 100 }
        #expect(server.interrupt() == 0)
        server = try ServerProcess(reuse: server.directory)
        let done = Self.waitFor(server) { try Self.count($0, "SELECT COUNT(*) FROM jobs") == 0 }
        #expect(done)
        let counts = try Self.fired(try Connection(path: server.dataPath, readOnly: true), app: "jobs")
        #expect(counts.count == 400)
        #expect(counts.values.allSatisfy { $0 == 1 }, "a clean stop duplicates nothing")
    }

    @Test func scheduleAPIKeysCancelGetListAndErrors() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("sched", try ArchiveFixtures.zip(Self.files)).status == 201)
        // The default handler is the calling file; its `scheduled` export runs.
        let first = try server.app("sched", "/api/api?op=self&delay=0").json
        #expect(first["id"] is Int && first["runAt"] is Int)
        #expect(
            Self.waitFor(server) {
                try Self.count($0, "SELECT COUNT(*) FROM kv WHERE app = 'sched' AND key = 'self'") == 1
            }
        )
        let stored =
            try Connection(path: server.dataPath, readOnly: true).queryOne("SELECT value FROM kv WHERE key = 'self'") {
                $0.string(0)
            } ?? ""
        #expect(
            stored.contains(#""state":{"hello":"world"}"#) && stored.contains(#""attempt":1"#)
                && stored.contains("firedAt")
        )

        // A key replaces the pending job.
        let a = try server.app("sched", "/api/api?op=self&delay=1h&key=nightly").json["id"] as? Int
        let b = try server.app("sched", "/api/api?op=self&delay=2h&key=nightly").json["id"] as? Int
        #expect(a != nil && b != nil && a != b)
        #expect(try server.app("sched", "/api/api?op=get&id=\(a!)").text == "null")
        #expect(try server.app("sched", "/api/api?op=get&id=nightly").json["id"] as? Int == b)
        _ = try server.app("sched", "/api/api?op=date")
        _ = try server.app("sched", "/api/api?op=iso")
        let list =
            try JSONSerialization.jsonObject(with: Data(try server.app("sched", "/api/api?op=list").body))
            as? [[String: Any]] ?? []
        #expect(list.count == 3)
        #expect(
            list.map { $0["handler"] as? String } == ["jobs/tick.js", "api/api.js", "jobs/tick.js"],
            "soonest first"
        )
        #expect(try server.app("sched", "/api/api?op=cancel&id=nightly").json["cancelled"] as? Bool == true)
        #expect(try server.app("sched", "/api/api?op=cancel&id=nightly").json["cancelled"] as? Bool == false)

        for (op, code) in [
            ("big", "TOO_LARGE"), ("badhandler", "INVALID_ARGUMENT"), ("missing", "INVALID_ARGUMENT"),
            ("baddelay", "INVALID_ARGUMENT"),
        ] {
            let answer = try server.app("sched", "/api/api?op=\(op)").json
            #expect(answer["code"] as? String == code, "\(op): \(answer)")
        }
    }

    @Test func failingJobRetriesWithBackoffThenDies() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("sched", try ArchiveFixtures.zip(Self.files)).status == 201)
        let id = try server.app("sched", "/api/api?op=fail").json["id"] as? Int ?? -1
        #expect(
            Self.waitFor(server) {
                try Self.count($0, "SELECT COUNT(*) FROM jobs WHERE id = \(id) AND status = 'dead'") == 1
            }
        )
        let connection = try Connection(path: server.dataPath, readOnly: true)
        let runs = try connection.query(
            "SELECT attempt, outcome, error, output FROM runs WHERE job = ? ORDER BY id",
            [.integer(Int64(id))]
        ) {
            ($0.int(0), $0.string(1), $0.optionalString(2) ?? "", $0.optionalString(3) ?? "")
        }
        #expect(runs.map(\.0) == [1, 2, 3])
        #expect(runs.map(\.1) == ["retry", "retry", "dead"])
        #expect(runs.allSatisfy { $0.2.contains("boom") })
        #expect(runs.last?.3.contains("attempt 3") == true, "console output is captured per run")
        // The dead job is visible, and can be retried from the control API.
        let jobs = try server.api("GET", "/apps/sched/jobs?status=dead").json["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.count == 1 && (jobs.first?["error"] as? String)?.hasPrefix("boom 3") == true)
        #expect(try server.api("POST", "/apps/sched/jobs/\(id)/retry").status == 200)
        #expect(Self.waitFor(server) { try Self.count($0, "SELECT COUNT(*) FROM runs WHERE job = \(id)") == 6 })

        // The CLI shows the same history and jobs, and can cancel.
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        let (status, history, _) = try ServerProcess.runCLI(["runs", "sched", "--output"], environment: env)
        #expect(
            status == 0 && history.contains("dead") && history.contains("retry") && history.contains("attempt 3")
                && history.contains("boom 3")
        )
        let (_, dead, _) = try ServerProcess.runCLI(["jobs", "sched", "--status", "dead"], environment: env)
        #expect(dead.contains("\(id)") && dead.contains("jobs/fail.js") && dead.contains("3/3"))
        #expect(try ServerProcess.runCLI(["jobs", "cancel", "sched", "\(id)"], environment: env).0 == 0)
        let (missing, _, error) = try ServerProcess.runCLI(["jobs", "cancel", "sched", "\(id)"], environment: env)
        #expect(missing != 0 && error.contains("no pending or dead job"))
    }

    @Test func failedHTTPInvocationsAreRecorded() throws {
        let server = try ServerProcess()
        let files = [
            js("api/throw.js", "module.exports = () => { console.log('about to fail'); throw new Error('kaput'); };")
        ]
        #expect(try server.deploy("boom", try ArchiveFixtures.zip(files)).status == 201)
        #expect(try server.app("boom", "/api/throw").status == 500)
        #expect(Self.waitFor(server) { try Self.count($0, "SELECT COUNT(*) FROM runs WHERE app = 'boom'") == 1 })
        let runs = try server.api("GET", "/apps/boom/runs").json["runs"] as? [[String: Any]] ?? []
        #expect(runs.first?["kind"] as? String == "http" && runs.first?["outcome"] as? String == "failed")
        #expect(
            (runs.first?["error"] as? String)?.contains("kaput") == true
                && runs.first?["handler"] as? String == "api/throw.js"
        )
    }

    @Test func aJobBacklogLeavesAWorkerForHTTP() throws {
        let files = [
            js(
                "api/flood.js",
                "module.exports = () => { for (let i = 0; i < 60; i++) fazt.schedule(0, i, { handler: 'jobs/slow.js' }); return 'ok'; };"
            ),
            js(
                "jobs/slow.js",
                "exports.scheduled = () => { const end = Date.now() + 300; while (Date.now() < end) {} };"
            ),
            js("api/ping.js", "module.exports = () => 'pong';"),
        ]
        let server = try ServerProcess(arguments: ["--max-workers", "2"])
        #expect(try server.deploy("busy", try ArchiveFixtures.zip(files)).status == 201)
        #expect(try server.app("busy", "/api/flood").status == 200)
        #expect(Self.waitFor(server) { try Self.count($0, "SELECT COUNT(*) FROM runs") >= 2 }, "the backlog is running")
        // Requests are answered while the backlog runs, not after the jobs queued ahead of them
        // (the first one starts the second worker; it is not measured).
        #expect(try server.app("busy", "/api/ping").text == "pong")
        for _ in 0..<5 {
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            #expect(try server.app("busy", "/api/ping").text == "pong")
            let after = Int64(Date().timeIntervalSince1970 * 1000)
            let connection = try Connection(path: server.dataPath, readOnly: true)
            let finishedMeanwhile =
                try connection.queryOne(
                    "SELECT COUNT(*) FROM runs WHERE started_at + duration_ms BETWEEN ? AND ?",
                    [.integer(before), .integer(after)]
                ) { $0.int(0) } ?? 0
            #expect(finishedMeanwhile <= 1, "a request waited for \(finishedMeanwhile) jobs")
        }
        #expect(
            try Self.count(try Connection(path: server.dataPath, readOnly: true), "SELECT COUNT(*) FROM jobs") > 0,
            "still backlogged"
        )
    }

    @Test func oneAppsBacklogDoesNotStarveAnother() throws {
        let slow = [
            js(
                "api/flood.js",
                "module.exports = () => { for (let i = 0; i < 200; i++) fazt.schedule(0, i, { handler: 'jobs/slow.js' }); return 'ok'; };"
            ),
            js(
                "jobs/slow.js",
                "exports.scheduled = () => { const end = Date.now() + 20; while (Date.now() < end) {} };"
            ),
        ]
        let quick = [
            js("api/one.js", "module.exports = () => fazt.schedule(0, null, { handler: 'jobs/quick.js' });"),
            js("jobs/quick.js", "exports.scheduled = () => {};"),
        ]
        let server = try ServerProcess(arguments: ["--job-concurrency", "4", "--job-concurrency-per-app", "2"])
        #expect(try server.deploy("busy", try ArchiveFixtures.zip(slow)).status == 201)
        #expect(try server.deploy("quiet", try ArchiveFixtures.zip(quick)).status == 201)
        #expect(try server.app("busy", "/api/flood").status == 200)
        #expect(try server.app("quiet", "/api/one").status == 200)
        #expect(Self.waitFor(server) { try Self.count($0, "SELECT COUNT(*) FROM jobs") == 0 })
        let connection = try Connection(path: server.dataPath, readOnly: true)
        let quietStart = try connection.queryOne("SELECT started_at FROM runs WHERE app = 'quiet'") { $0.int64(0) } ?? 0
        let busyBefore =
            try connection.queryOne(
                "SELECT COUNT(*) FROM runs WHERE app = 'busy' AND started_at < ?",
                [.integer(quietStart)]
            ) { $0.int(0) } ?? 0
        #expect(
            busyBefore < 100,
            "the quiet app's job ran before most of the busy backlog (\(busyBefore) of 200 ran first)"
        )
    }
}

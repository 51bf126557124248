import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// Manifest `"schedules"`: registered at deploy, replaced on redeploy, removed on rollback and delete.
@Suite struct CronTests {
    static func app(schedules: String?) -> [ArchiveFixtures.Entry] {
        var files = [
            js(
                "jobs/cron.js",
                "exports.scheduled = (state, job) => { fazt.kv.incr('runs:' + job.name); fazt.kv.set('last', { name: job.name, cron: job.cron, state }); };"
            )
        ]
        if let schedules { files.append(ArchiveFixtures.file("fazt.json", #"{"schedules": \#(schedules)}"#)) }
        return files
    }

    static func cronJobs(_ server: ServerProcess) throws -> [String] {
        try Connection(path: server.dataPath, readOnly: true).query(
            "SELECT name FROM jobs WHERE kind = 'cron' ORDER BY name"
        ) {
            $0.string(0)
        }
    }

    @Test func cronRunsAndFollowsTheLiveVersion() throws {
        let server = try ServerProcess()
        let every = #"[{"name": "tick", "cron": "* * * * * *", "handler": "jobs/cron.js", "tz": "Europe/Berlin"}]"#
        #expect(try server.deploy("cron", try ArchiveFixtures.zip(Self.app(schedules: every))).status == 201)
        #expect(try Self.cronJobs(server) == ["tick"])
        // A six-field (seconds) schedule fires every second.
        let ran = SchedulerTests.waitFor(server, seconds: 15) {
            try SchedulerTests.count(
                $0,
                "SELECT CAST(value AS INTEGER) FROM kv WHERE app = 'cron' AND key = 'runs:tick'"
            ) >= 2
        }
        #expect(ran)
        let last = try Connection(path: server.dataPath, readOnly: true).queryOne(
            "SELECT value FROM kv WHERE key = 'last'"
        ) { $0.string(0) }
        #expect(last == #"{"name":"tick","cron":"* * * * * *","state":null}"#)
        let runs = try server.api("GET", "/apps/cron/runs?kind=cron").json["runs"] as? [[String: Any]] ?? []
        #expect(runs.first?["name"] as? String == "tick" && runs.first?["outcome"] as? String == "ok")

        // Redeploy with another schedule: replaced.
        let other = #"[{"name": "nightly", "cron": "0 3 * * *", "handler": "jobs/cron.js"}]"#
        #expect(try server.deploy("cron", try ArchiveFixtures.zip(Self.app(schedules: other))).status == 201)
        #expect(try Self.cronJobs(server) == ["nightly"])
        // Version 3 has no schedules; rolling back to 1 brings "tick" back, to 3 removes it.
        #expect(try server.deploy("cron", try ArchiveFixtures.zip(Self.app(schedules: nil))).status == 201)
        #expect(try Self.cronJobs(server) == [])
        #expect(try server.api("POST", "/apps/cron/rollback", body: Array(#"{"version": 1}"#.utf8)).status == 200)
        #expect(try Self.cronJobs(server) == ["tick"])
        #expect(try server.api("POST", "/apps/cron/rollback", body: Array(#"{"version": 3}"#.utf8)).status == 200)
        #expect(try Self.cronJobs(server) == [])
        #expect(try server.api("POST", "/apps/cron/rollback", body: Array(#"{"version": 1}"#.utf8)).status == 200)
        #expect(try server.api("DELETE", "/apps/cron").status == 200)
        #expect(try Self.cronJobs(server) == [])
        let leftover = try Connection(path: server.dataPath, readOnly: true).queryOne(
            "SELECT COUNT(*) FROM runs WHERE app = 'cron'"
        ) {
            $0.int(0)
        }
        #expect(leftover == 0, "history goes with the app")
    }

    @Test func badSchedulesFailTheDeployWithTheReason() throws {
        let server = try ServerProcess()
        for (schedules, words) in [
            (#"[{"name": "x", "cron": "* * *", "handler": "jobs/cron.js"}]"#, "5 fields"),
            (#"[{"name": "x", "cron": "61 * * * *", "handler": "jobs/cron.js"}]"#, "minute"),
            (#"[{"name": "x", "cron": "* * * * *", "handler": "jobs/none.js"}]"#, "not in this deploy"),
            (#"[{"name": "x", "cron": "* * * * *", "handler": "jobs/cron.js", "tz": "Nowhere/City"}]"#, "time zone"),
            (#"[{"name": "x", "cron": "* * * * *", "handler": "jobs/cron.js", "overlap": "maybe"}]"#, "overlap"),
            (#"{"x": 1}"#, "must be a list"),
        ] {
            let response = try server.deploy("bad", try ArchiveFixtures.zip(Self.app(schedules: schedules)))
            #expect(response.status == 400, "\(schedules): \(response.status) \(response.text)")
            #expect(response.text.contains(words), "\(schedules): \(response.text)")
        }
        #expect(try Self.cronJobs(server) == [])
    }
}

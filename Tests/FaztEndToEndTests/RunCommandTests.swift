import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt run APP JOB` and `POST /apps/{name}/run`: a deployed app's job, now.
@Suite struct RunCommandTests {
    static let files = [
        ArchiveFixtures.file(
            "fazt.json",
            #"{"schedules": [{"name": "nightly", "cron": "0 3 * * *", "handler": "jobs/nightly.js"}]}"#
        ),
        js(
            "jobs/nightly.js",
            "exports.scheduled = (state, job) => { fazt.kv.incr('runs'); console.log('ran ' + job.name); };"
        ),
        js("jobs/broken.js", "exports.scheduled = () => { throw new Error('broken job'); };"),
    ]

    @Test func runsACronJobNowAndReportsTheOutcome() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("nightly", try ArchiveFixtures.zip(Self.files)).status == 201)
        let client = ["--server", "http://127.0.0.1:\(server.port)", "--token", try server.token()]

        let ran = try ServerProcess.runCLI(["run", "nightly", "nightly"] + client)
        #expect(ran.0 == 0, "\(ran.2)")
        #expect(ran.1.hasPrefix("cron nightly (jobs/nightly.js): ok in "), "\(ran.1)")
        #expect(ran.1.contains("  ran nightly"), "\(ran.1)")
        let runs = try Connection(path: server.dataPath, readOnly: true).queryOne(
            "SELECT CAST(value AS INTEGER) FROM kv WHERE app = 'nightly' AND key = 'runs'"
        ) { $0.int(0) }
        #expect(runs == 1)
        // Recorded in the history like a scheduled run; the schedule itself is untouched.
        let history = try server.api("GET", "/apps/nightly/runs?kind=cron").json["runs"] as? [[String: Any]] ?? []
        #expect(history.first?["name"] as? String == "nightly" && history.first?["outcome"] as? String == "ok")
        let pending = try server.api("GET", "/apps/nightly/jobs").json["jobs"] as? [[String: Any]] ?? []
        #expect(pending.count == 1 && pending.first?["status"] as? String == "pending")

        // A job file runs too; its failure exits 1 with the error.
        let broken = try ServerProcess.runCLI(["run", "nightly", "jobs/broken.js"] + client)
        #expect(broken.0 == 1)
        #expect(broken.1.contains("job jobs/broken.js: failed in "), "\(broken.1)")
        #expect(broken.1.contains("error: broken job (jobs/broken.js:1)"), "\(broken.1)")

        // An unknown job names the app's jobs.
        let unknown = try ServerProcess.runCLI(["run", "nightly", "weekly"] + client)
        #expect(unknown.0 != 0)
        #expect(unknown.2.contains("app 'nightly' has no job 'weekly'; its cron jobs: nightly"), "\(unknown.2)")
        #expect(unknown.2.contains("unknown_job, HTTP 404"), "\(unknown.2)")
        let missing = try ServerProcess.runCLI(["run", "nosuchapp", "nightly"] + client)
        #expect(missing.0 != 0 && missing.2.contains("nosuchapp"), "\(missing.2)")
    }

    @Test func scopedTokensNeedAppsDeploy() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("nightly", try ArchiveFixtures.zip(Self.files)).status == 201)
        let body = Array(#"{"job": "nightly"}"#.utf8)
        for (scopes, status) in [("apps:read", 403), ("apps:deploy", 200)] {
            let created = try server.api(
                "POST",
                "/tokens",
                headers: [("Content-Type", "application/json")],
                body: Array(#"{"name": "t-\#(status)", "apps": ["nightly"], "scopes": ["\#(scopes)"]}"#.utf8)
            )
            let token = created.json["token"] as? String ?? ""
            #expect(!token.isEmpty, "\(created.text)")
            let answer = try server.api("POST", "/apps/nightly/run", token: token, body: body)
            #expect(answer.status == status, "\(scopes): \(answer.text)")
        }
        let empty = try server.api("POST", "/apps/nightly/run", body: Array(#"{"job": " "}"#.utf8))
        #expect(empty.status == 400 && empty.text.contains("name the job"))
    }
}

import FaztTestSupport
import Foundation
import Testing

/// What a new user hit (issue 10): unknown apps, option validation, the job kind, delete without a
/// terminal, refused tokens, one JSON document from `fazt notifications --json`.
extension CLITests {
    static let scheduling: [ArchiveFixtures.Entry] = [
        ArchiveFixtures.file("index.html", "<h1>hi</h1>"),
        ArchiveFixtures.file(
            "api/later.js",
            """
            module.exports = () => {
              const job = fazt.schedule("1h", { n: 1 }, { handler: "jobs/later.js" });
              fazt.notify({ title: "first" });
              fazt.notify({ title: "second" });
              return job;
            };
            """
        ),
        ArchiveFixtures.file("jobs/later.js", "exports.scheduled = () => {};"),
    ]

    static func environment(_ server: ServerProcess) throws -> [String: String] {
        ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
    }

    @Test func logsAndNotificationsRefuseAnUnknownApp() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        for arguments in [["logs", "nosuch"], ["notifications", "--app", "nosuch"]] {
            let (status, _, error) = try ServerProcess.runCLI(arguments, environment: env)
            #expect(status != 0 && error.contains(#"no app named "nosuch""#), "\(arguments): \(error)")
        }
        for path in ["/apps/nosuch/logs", "/notifications?app=nosuch"] {
            let response = try server.api("GET", path)
            let error = response.json["error"] as? [String: Any]
            #expect(response.status == 404 && error?["code"] as? String == "not_found", "\(path)")
            #expect((error?["message"] as? String)?.contains(#"no app named "nosuch""#) == true)
        }
    }

    @Test func runKindsAndLimitsAreValidated() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        #expect(try server.deploy("site", try ArchiveFixtures.zip(Self.scheduling)).status == 201)

        let kind = try server.api("GET", "/apps/site/runs?kind=bogus")
        #expect(kind.status == 400)
        #expect(kind.text.contains("job, cron, event, notify, http, socket or ai"), "\(kind.text)")
        #expect(try server.api("GET", "/apps/site/runs?kind=timer").status == 200)
        #expect(try server.api("GET", "/apps/site/runs?kind=notify").status == 200)
        let paths = [
            "/apps/site/runs", "/apps/site/jobs", "/apps/site/events", "/apps/site/logs", "/notifications",
            "/apps/site/kv",
        ]
        for path in paths {
            for limit in ["0", "-1", "abc", "1001"] {
                let response = try server.api("GET", "\(path)?limit=\(limit)")
                let error = response.json["error"] as? [String: Any]
                #expect(response.status == 400 && error?["code"] as? String == "bad_request", "\(path) \(limit)")
                #expect((error?["message"] as? String)?.contains("from 1 to 1000") == true, "\(response.text)")
            }
            #expect(try server.api("GET", "\(path)?limit=1000").status == 200, "\(path)")
        }

        let badKind = try ServerProcess.runCLI(["runs", "site", "--kind", "bogus"], environment: env)
        #expect(badKind.0 != 0 && badKind.2.contains("job, cron, event, notify, http, socket or ai"), "\(badKind.2)")
        #expect(try ServerProcess.runCLI(["runs", "site", "--kind", "notify"], environment: env).0 == 0)
        #expect(try ServerProcess.runCLI(["runs", "--help"]).1.contains("notify"))
        let badStatus = try ServerProcess.runCLI(["jobs", "site", "--status", "done"], environment: env)
        #expect(badStatus.0 != 0 && badStatus.2.contains("pending, running or dead"))
        let commands = [
            ["logs", "site"], ["runs", "site"], ["jobs", "site"], ["events", "site"], ["notifications"],
            ["kv", "site", "list"],
        ]
        for command in commands {
            for limit in ["0", "1001"] {
                let (status, _, error) = try ServerProcess.runCLI(command + ["--limit", limit], environment: env)
                #expect(status != 0 && error.contains("--limit must be from 1 to 1000"), "\(command): \(error)")
            }
        }
    }

    @Test func jobsAreShownWithTheKindJob() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        #expect(try server.deploy("sched", try ArchiveFixtures.zip(Self.scheduling)).status == 201)
        #expect(try server.app("sched", "/api/later").status == 200)

        let jobs = try server.api("GET", "/apps/sched/jobs").json["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.count == 1 && jobs.first?["kind"] as? String == "job", "\(jobs)")
        let (status, listed, _) = try ServerProcess.runCLI(["jobs", "sched"], environment: env)
        #expect(status == 0 && listed.contains(" job ") && !listed.contains("timer"), "\(listed)")
        #expect(try ServerProcess.runCLI(["runs", "sched", "--kind", "timer"], environment: env).0 == 0)
    }

    @Test func deleteWithoutATerminalNeedsYes() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        #expect(try server.deploy("keep", try ArchiveFixtures.zip(Self.scheduling)).status == 201)

        let (status, _, error) = try ServerProcess.runCLI(["apps", "delete", "keep"], environment: env)
        #expect(status != 0 && error.contains("refusing to delete without --yes (stdin is not a terminal)"))
        #expect(try server.app("keep", "/").status == 200)
        #expect(try ServerProcess.runCLI(["apps", "delete", "keep", "--yes"], environment: env).0 == 0)
        #expect(try server.app("keep", "/").status == 404)
    }

    @Test func aRefusedTokenNamesWhereItCameFrom() throws {
        let server = try ServerProcess()
        let home = try TemporaryDirectory()
        let url = "http://127.0.0.1:\(server.port)"
        let bad = "fzt_" + String(repeating: "0", count: 48)

        let flag = try ServerProcess.runCLI(["apps", "--server", url, "--token", bad], environment: [:])
        #expect(flag.0 != 0 && flag.2.contains("the server refused the token from --token (401"), "\(flag.2)")
        let variable = try ServerProcess.runCLI(["apps"], environment: ["FAZT_SERVER": url, "FAZT_TOKEN": bad])
        #expect(variable.0 != 0 && variable.2.contains("from FAZT_TOKEN (401 unauthorized)"), "\(variable.2)")
        #expect(variable.2.contains("fazt login URL TOKEN"))

        let config = home.path + "/fazt/config.json"
        try FileManager.default.createDirectory(atPath: home.path + "/fazt", withIntermediateDirectories: true)
        try #"{"server":"\#(url)","token":"\#(bad)"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let saved = try ServerProcess.runCLI(["apps"], environment: ["XDG_CONFIG_HOME": home.path])
        #expect(saved.0 != 0 && saved.2.contains("the token saved in \(config) (401"), "\(saved.2)")
    }

    @Test func notificationsJSONIsOneDocument() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        #expect(try server.deploy("ping", try ArchiveFixtures.zip(Self.scheduling)).status == 201)
        #expect(try server.app("ping", "/api/later").status == 200)

        let (status, output, error) = try ServerProcess.runCLI(["notifications", "--json"], environment: env)
        #expect(status == 0, "\(error)")
        let document = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let titles = (document?["notifications"] as? [[String: Any]] ?? []).map { $0["title"] as? String }
        #expect(titles == ["first", "second"], "\(output)")
        let filtered = try ServerProcess.runCLI(["notifications", "--json", "--app", "ping"], environment: env)
        #expect(filtered.0 == 0 && (try? JSONSerialization.jsonObject(with: Data(filtered.1.utf8))) != nil)
    }
}

import FaztTestSupport
import Foundation
import Testing

/// The deploy answer says what it set up and what still needs the owner, and `fazt deploy`
/// prints it after the URL.
@Suite struct DeploySummaryTests {
    static let manifest = """
        {"schedules": [{"name": "nightly", "cron": "0 3 * * *", "handler": "jobs/nightly.js"}],
         "events": {"order.created": "handlers/order.js"},
         "webhooks": {"github": {"secret": "GITHUB_SECRET", "signature": "github"}, "open": {"signature": "none"}},
         "permissions": ["events:app:shop.*"]}
        """

    static func site() throws -> TemporaryDirectory {
        let site = try TemporaryDirectory()
        let files = [
            "index.html": "hi",
            "fazt.json": manifest,
            "jobs/nightly.js": "exports.scheduled = () => {};",
            "handlers/order.js": "exports.event = () => {};",
            ".well-known/security.txt": "Contact: mailto:owner@example.com",
            ".env": "SECRET=1",
            ".git/config": "x",
        ]
        for (path, text) in files {
            let url = URL(fileURLWithPath: site.path + "/" + path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return site
    }

    @Test func deployPrintsWhatItSetUpAndWhatStillNeedsTheOwner() throws {
        let server = try ServerProcess()
        let site = try Self.site()
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        let (status, output, errors) = try ServerProcess.runCLI(
            ["deploy", site.path, "--app", "summ"],
            environment: env
        )
        #expect(status == 0, "\(errors)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.first == "http://summ.localhost:\(server.port)/")
        let schedule = lines.first { $0.hasPrefix("schedule nightly (0 3 * * *): next run ") }
        #expect(schedule?.hasSuffix(" 03:00 UTC") == true, "\(lines)")
        #expect(lines.contains("event order.created → handlers/order.js"))
        #expect(
            lines.contains(
                "webhook github: secret GITHUB_SECRET is not set — run: fazt secret set summ GITHUB_SECRET -"
            )
        )
        #expect(
            lines.contains("webhook open: http://summ.localhost:\(server.port)/_hooks/open (unsigned: anyone may post)")
        )
        #expect(
            lines.contains(
                "permission events:app:shop.*: needs the owner's grant — run: fazt grant summ events:app:shop.*"
            )
        )
        #expect(lines.contains("skipped 2 dotfiles: .env, .git"), "\(lines)")
        // `.well-known/` is deployed, not skipped as a dotfile.
        #expect(try server.app("summ", "/.well-known/security.txt").text == "Contact: mailto:owner@example.com")
        #expect(try server.app("summ", "/.env").status == 404)
    }

    @Test func deployJSONCarriesTheSummaryAndDropsFixesOnceDone() throws {
        let server = try ServerProcess()
        let site = try Self.site()
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        func deploy() throws -> [String: Any] {
            let (status, output, errors) = try ServerProcess.runCLI(
                ["deploy", site.path, "--app", "summ", "--json"],
                environment: env
            )
            #expect(status == 0, "\(errors)")
            let body = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            #expect(body?["url"] as? String == "http://summ.localhost:\(server.port)/")
            return body?["summary"] as? [String: Any] ?? [:]
        }
        let first = try deploy()
        let schedules = first["schedules"] as? [[String: Any]]
        #expect(schedules?.first?["name"] as? String == "nightly")
        #expect((schedules?.first?["nextRun"] as? String)?.hasSuffix("T03:00:00Z") == true)
        let subscriptions = first["subscriptions"] as? [[String: Any]]
        #expect(subscriptions?.first?["pattern"] as? String == "order.created")
        let hooks = first["webhooks"] as? [[String: Any]] ?? []
        #expect(hooks.map { $0["name"] as? String } == ["github", "open"])
        #expect(hooks.first?["secretSet"] as? Bool == false)
        #expect(hooks.first?["fix"] as? String == "fazt secret set summ GITHUB_SECRET -")
        #expect(hooks.last?["fix"] == nil && hooks.last?["signature"] as? String == "none")
        let permissions = first["permissions"] as? [[String: Any]]
        #expect(permissions?.first?["granted"] as? Bool == false)
        #expect(permissions?.first?["fix"] as? String == "fazt grant summ events:app:shop.*")
        #expect((first["skipped"] as? [String]) == [])

        #expect(
            try ServerProcess.runCLI(["secret", "set", "summ", "GITHUB_SECRET", "s3cret"], environment: env).0 == 0
        )
        #expect(try ServerProcess.runCLI(["grant", "summ", "events:app:shop.*"], environment: env).0 == 0)
        let second = try deploy()
        let hook = (second["webhooks"] as? [[String: Any]])?.first
        #expect(hook?["secretSet"] as? Bool == true && hook?["fix"] == nil)
        let permission = (second["permissions"] as? [[String: Any]])?.first
        #expect(permission?["granted"] as? Bool == true && permission?["fix"] == nil)
    }
}

import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt.notify`: inbox, live stream, channel deliveries (webhook, ntfy, Slack, SMTP), rate limit,
/// failed deliveries.
@Suite struct NotificationTests {
    static let files = [
        js(
            "api/notify.js",
            """
            module.exports = (req) => {
              try {
                return fazt.notify({ title: req.query.title || "Build done", body: "All 12 tests passed", url: "https://example.com/b/1",
                                     priority: req.query.priority || "high", tags: ["ci", "green"], channel: req.query.channel });
              } catch (e) { return { code: e.code, message: e.message }; }
            };
            """
        )
    ]

    @Test func notificationsReachTheInboxAndEveryChannel() throws {
        let web = try LoopbackReceiver(.http)
        let mail = try LoopbackReceiver(.smtp)
        let server = try ServerProcess(arguments: ["--notify-rate-per-minute", "5"])
        #expect(try server.deploy("ci", try ArchiveFixtures.zip(Self.files)).status == 201)
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        let base = "http://127.0.0.1:\(web.port)"
        for arguments in [
            ["hook", "--type", "webhook", "--url", "\(base)/hook"],
            ["phone", "--type", "ntfy", "--url", "\(base)/topic"],
            ["team", "--type", "slack", "--url", "\(base)/slack"],
            ["chat", "--type", "discord", "--url", "\(base)/discord"],
            ["bot", "--type", "telegram", "--url", base, "--bot-token", "123:SECRET", "--chat", "42"],
            [
                "mail", "--type", "email", "--url", "smtp://127.0.0.1:\(mail.port)", "--to", "owner@example.com",
                "--from", "fazt@example.com",
            ],
        ] {
            let (status, _, error) = try ServerProcess.runCLI(
                ["notify", "channel", "add"] + arguments,
                environment: env
            )
            #expect(status == 0, "\(arguments): \(error)")
        }
        let (bad, _, problem) = try ServerProcess.runCLI(
            ["notify", "channel", "add", "x", "--type", "email"],
            environment: env
        )
        #expect(bad != 0 && problem.contains("--url smtp://"))
        let (_, channels, _) = try ServerProcess.runCLI(["notify", "channel", "list"], environment: env)
        #expect(
            channels.contains("phone") && channels.contains("ntfy") && !channels.contains(base),
            "settings are never shown"
        )

        // Follow the inbox live while notifying.
        let stream = try TestConnection(port: server.port)
        try stream.sendRequest(
            "GET",
            "/_fazt/api/v1/notifications?follow=1",
            headers: [("Authorization", "Bearer \(try server.token())")]
        )
        #expect(try stream.readUntil(": following notifications").contains("text/event-stream"))

        let sent = try server.app("ci", "/api/notify").json
        #expect(sent["queued"] as? Bool == true && sent["channels"] as? Int == 6 && sent["id"] is Int)
        let live = try stream.readUntil("Build done")
        #expect(live.contains("event: notification") && live.contains(#""app":"ci""#))

        #expect(web.wait(for: 5), "webhook, ntfy, Slack, Discord and Telegram requests arrive")
        #expect(mail.wait(for: 1), "the email arrives")
        let byPath = Dictionary(web.all.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        let hook =
            try JSONSerialization.jsonObject(with: Data((byPath["/hook"]?.body ?? "{}").utf8)) as? [String: Any] ?? [:]
        #expect(
            hook["title"] as? String == "Build done" && hook["priority"] as? String == "high"
                && hook["tags"] as? [String] == ["ci", "green"]
        )
        #expect(byPath["/topic"]?.headers["title"] == "Build done" && byPath["/topic"]?.headers["priority"] == "5")
        #expect(byPath["/topic"]?.body == "All 12 tests passed")
        #expect(byPath["/slack"]?.body.contains("*Build done*") == true)
        #expect(byPath["/discord"]?.body.contains("**Build done**") == true)
        let telegram = byPath["/bot123:SECRET/sendMessage"]?.body ?? ""
        #expect(telegram.contains(#""chat_id":"42""#) && telegram.contains("Build done"))
        let email = mail.all.first
        #expect(email?.mailFrom == "fazt@example.com" && email?.recipients == ["owner@example.com"])
        #expect(
            email?.body.contains("Subject: [ci] Build done") == true
                && email?.body.contains("All 12 tests passed") == true
        )

        // The inbox lists it; the CLI shows it.
        let inbox = try server.api("GET", "/notifications").json["notifications"] as? [[String: Any]] ?? []
        #expect(inbox.count == 1 && inbox.first?["title"] as? String == "Build done")
        let (_, listed, _) = try ServerProcess.runCLI(["notifications"], environment: env)
        #expect(listed.contains("[ci] Build done — All 12 tests passed"))

        // A named channel only; an unknown channel is a clear error.
        #expect(try server.app("ci", "/api/notify?channel=hook&title=Only%20hook").json["channels"] as? Int == 1)
        #expect(try server.app("ci", "/api/notify?channel=nope").json["code"] as? String == "INVALID_ARGUMENT")
        #expect(try server.app("ci", "/api/notify?priority=urgent").json["code"] as? String == "INVALID_ARGUMENT")
        // Rate limit: 5 per minute (two accepted above, plus the refused "nope" which counted).
        var codes: [String?] = []
        for _ in 0..<4 { codes.append(try server.app("ci", "/api/notify?channel=hook").json["code"] as? String) }
        #expect(codes.contains("RATE_LIMITED"))
    }

    @Test func aFailingChannelRetriesThenEmitsNotifyFailed() throws {
        let web = try LoopbackReceiver(.http)
        web.respond(with: 500)
        let server = try ServerProcess(arguments: ["--notify-retries", "1"])
        let files =
            Self.files + [
                ArchiveFixtures.file("fazt.json", #"{"events": {"system.notify.failed": "handlers/failed.js"}}"#),
                js(
                    "handlers/failed.js",
                    "exports.event = (event) => { fazt.kv.set('failed:' + event.data.channel, event.data); };"
                ),
            ]
        #expect(try server.deploy("ci", try ArchiveFixtures.zip(files)).status == 201)
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        // One channel answers 500; one points at a port nobody listens on (a connection error,
        // whose libcurl message would name the URL).
        for (name, url) in [("down", "http://127.0.0.1:\(web.port)/x"), ("gone", "http://127.0.0.1:1/hook-token-abc")] {
            #expect(
                try ServerProcess.runCLI(
                    ["notify", "channel", "add", name, "--type", "webhook", "--url", url],
                    environment: env
                ).0 == 0
            )
        }
        let (tested, _, error) = try ServerProcess.runCLI(["notify", "channel", "test", "down"], environment: env)
        #expect(tested != 0 && error.contains("HTTP 500"), "a test delivery reports the channel's error")
        #expect(try server.app("ci", "/api/notify").json["channels"] as? Int == 2)
        #expect(
            SchedulerTests.waitFor(server) {
                try SchedulerTests.count($0, "SELECT COUNT(*) FROM kv WHERE app = 'ci' AND key LIKE 'failed:%'") == 2
            }
        )
        let connection = try Connection(path: server.dataPath, readOnly: true)
        let down = try connection.queryOne("SELECT value FROM kv WHERE key = 'failed:down'") { $0.string(0) } ?? ""
        #expect(down.contains(#""channel":"down""#) && down.contains("HTTP 500") && down.contains(#""attempts":2"#))
        let gone = try connection.queryOne("SELECT value FROM kv WHERE key = 'failed:gone'") { $0.string(0) } ?? ""
        #expect(
            gone.contains(#""channel":"gone""#) && !gone.contains("hook-token-abc"),
            "the channel URL never reaches apps: \(gone)"
        )
        let runs = try server.api("GET", "/apps/ci/runs?kind=notify").json["runs"] as? [[String: Any]] ?? []
        #expect(
            runs.map { $0["outcome"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") } == [
                "dead", "dead", "retry", "retry",
            ]
        )
        #expect(!runs.contains { ($0["error"] as? String)?.contains("hook-token-abc") == true })
    }
}

import CCrypto
import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `POST /_hooks/<name>`: signed and unsigned webhooks become events.
@Suite struct WebhookTests {
    static let files = [
        ArchiveFixtures.file(
            "fazt.json",
            #"""
            {"webhooks": {"plain": {"secret": "PLAIN_KEY"}, "gh": {"secret": "GH_KEY", "signature": "github"},
                          "stripe": {"secret": "STRIPE_KEY", "signature": "stripe"}, "open": {"signature": "none"}},
             "events": {"webhook.*": "handlers/hook.js"}}
            """#
        ),
        js("handlers/hook.js", "exports.event = (event) => { fazt.kv.set('hook:' + event.type, event.data); };"),
        js(
            "api/secret.js",
            "module.exports = () => ({ env: fazt.env.get('GH_KEY'), keys: Object.keys(globalThis).filter((k) => /secret/i.test(k)) });"
        ),
    ]

    static func hmac(_ key: String, _ message: String) -> String {
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.utf8.count), Array(message.utf8), message.utf8.count, &out, &length)
        return out.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    func post(
        _ server: ServerProcess,
        _ path: String,
        _ body: String,
        _ headers: [(String, String)] = []
    ) throws -> TestResponse {
        try TestHTTP.request(
            port: server.port,
            "POST",
            path,
            host: "hooks.localhost:\(server.port)",
            headers: [("Content-Type", "application/json")] + headers,
            body: Array(body.utf8)
        )
    }

    static func events(_ server: ServerProcess) throws -> Int {
        try Connection(path: server.dataPath, readOnly: true).queryOne(
            "SELECT COUNT(*) FROM events WHERE type LIKE 'app:hooks.webhook.%'"
        ) {
            $0.int(0)
        } ?? -1
    }

    @Test func signedAndUnsignedWebhooksBecomeEvents() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("hooks", try ArchiveFixtures.zip(Self.files)).status == 201)
        let body = #"{"action":"opened","n":1}"#

        // The secret is not set yet: refused, nothing stored.
        #expect(
            try post(server, "/_hooks/gh", body, [("X-Hub-Signature-256", "sha256=" + Self.hmac("gh-secret", body))])
                .status == 401
        )
        #expect(try Self.events(server) == 0)

        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        for (name, value) in [("GH_KEY", "gh-secret"), ("PLAIN_KEY", "plain-secret"), ("STRIPE_KEY", "whsec_test")] {
            #expect(try ServerProcess.runCLI(["secret", "set", "hooks", name, value], environment: env).0 == 0)
        }
        let (_, listed, _) = try ServerProcess.runCLI(["secret", "list", "hooks"], environment: env)
        #expect(listed.contains("GH_KEY") && !listed.contains("gh-secret"), "values are never shown")
        let stored = try Connection(path: server.dataPath, readOnly: true).query("SELECT value FROM secrets") {
            $0.bytes(0)
        }
        #expect(
            stored.count == 3 && !stored.contains { String(decoding: $0, as: UTF8.self).contains("secret") },
            "encrypted at rest"
        )

        // Bad signatures: 401 and no event.
        #expect(
            try post(server, "/_hooks/gh", body, [("X-Hub-Signature-256", "sha256=" + Self.hmac("wrong", body))]).status
                == 401
        )
        #expect(try post(server, "/_hooks/gh", body).status == 401)
        #expect(
            try post(server, "/_hooks/plain", body, [("X-Signature", Self.hmac("plain-secret", body + " "))]).status
                == 401
        )
        let old = Int(Date().timeIntervalSince1970) - 3600
        #expect(
            try post(
                server,
                "/_hooks/stripe",
                body,
                [("Stripe-Signature", "t=\(old),v1=\(Self.hmac("whsec_test", "\(old).\(body)"))")]
            ).status == 401
        )
        #expect(try Self.events(server) == 0)

        // Good signatures: 202 with the event id, stored, delivered.
        let github = try post(
            server,
            "/_hooks/gh?x=1",
            body,
            [("X-Hub-Signature-256", "sha256=" + Self.hmac("gh-secret", body)), ("X-GitHub-Event", "issues")]
        )
        #expect(github.status == 202 && (github.json["id"] as? String)?.hasPrefix("evt_") == true)
        #expect(
            try post(server, "/_hooks/plain", body, [("X-Signature", "sha256=" + Self.hmac("plain-secret", body))])
                .status == 202
        )
        let now = Int(Date().timeIntervalSince1970)
        #expect(
            try post(
                server,
                "/_hooks/stripe",
                body,
                [("Stripe-Signature", "t=\(now),v1=deadbeef,v1=\(Self.hmac("whsec_test", "\(now).\(body)"))")]
            ).status == 202
        )
        // A webhook declared with "signature": "none" is accepted unsigned.
        #expect(try post(server, "/_hooks/open", "plain text").status == 202)
        #expect(try Self.events(server) == 4)
        #expect(
            SchedulerTests.waitFor(server) {
                try SchedulerTests.count($0, "SELECT COUNT(*) FROM kv WHERE app = 'hooks' AND key LIKE 'hook:%'") == 4
            }
        )
        let delivered =
            try Connection(path: server.dataPath, readOnly: true).queryOne(
                "SELECT value FROM kv WHERE key = 'hook:app:hooks.webhook.gh'"
            ) {
                $0.string(0)
            } ?? ""
        #expect(
            delivered.contains(#""body":{"action":"opened","n":1}"#)
                && delivered.contains(#""x-github-event":"issues""#) && delivered.contains(#""query":{"x":"1"}"#)
        )
        let text =
            try Connection(path: server.dataPath, readOnly: true).queryOne(
                "SELECT value FROM kv WHERE key = 'hook:app:hooks.webhook.open'"
            ) {
                $0.string(0)
            } ?? ""
        #expect(text.contains(#""body":"plain text""#))

        // Wrong method, bad name, too large; secrets never reach JavaScript.
        #expect(try TestHTTP.request(port: server.port, "GET", "/_hooks/gh", host: "hooks.localhost").status == 405)
        #expect(try post(server, "/_hooks/bad%20name", body).status == 404)
        #expect(try post(server, "/_hooks/open", String(repeating: "x", count: (1 << 20) + 1)).status == 413)
        #expect(
            try TestHTTP.request(port: server.port, "GET", "/api/secret", host: "hooks.localhost").text
                == #"{"env":null,"keys":[]}"#
        )
    }

    @Test func undeclaredHooksAreNotFoundAndEventsCountInTheQuota() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("hooks", try ArchiveFixtures.zip(Self.files)).status == 201)
        #expect(
            try server.deploy("bare", try ArchiveFixtures.zip([js("api/x.js", "module.exports = () => 1;")])).status
                == 201
        )
        // A typo is visible: 404 naming the declared hooks, nothing stored.
        let typo = try post(server, "/_hooks/deplyo", "{}")
        #expect(typo.status == 404)
        #expect((typo.json["error"] as? String)?.contains("/_hooks/open") == true)
        let bare = try TestHTTP.request(
            port: server.port,
            "POST",
            "/_hooks/anything",
            host: "bare.localhost",
            body: Array("x".utf8)
        )
        #expect(bare.status == 404 && bare.text.contains("declares no webhooks"))
        #expect(try Self.events(server) == 0)

        // Persisted events count in the app's storage; over the quota, webhooks are refused.
        let big = String(repeating: "y", count: 200_000)
        #expect(try post(server, "/_hooks/open", big).status == 202)
        let storage = try server.api("GET", "/apps/hooks").json["storage"] as? [String: Any]
        #expect((storage?["events"] as? Int ?? 0) > 200_000)
        #expect((storage?["bytes"] as? Int ?? 0) > 200_000)
        #expect(try server.api("PUT", "/apps/hooks/quota", body: Array(#"{"bytes": 300000}"#.utf8)).status == 200)
        let refused = try post(server, "/_hooks/open", big)
        #expect(refused.status == 507 && refused.text.contains("quota"))
        #expect(try Self.events(server) == 1)
    }

    @Test func floodsFromOneClientAreRateLimited() throws {
        let server = try ServerProcess(arguments: ["--webhook-rate-per-ip", "3"])
        #expect(try server.deploy("hooks", try ArchiveFixtures.zip(Self.files)).status == 201)
        let statuses = try (0..<5).map { _ in try post(server, "/_hooks/open", "{}").status }
        #expect(statuses == [202, 202, 202, 429, 429])
        let limited = try post(server, "/_hooks/open", "{}")
        #expect(limited.header("Retry-After") != nil)
        #expect(limited.text.contains("--webhook-rate-per-ip"))
        #expect(try Self.events(server) == 3)
    }
}

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
}

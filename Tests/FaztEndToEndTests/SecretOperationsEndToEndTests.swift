import CCrypto
import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt.secrets.*` from a deployed app: host-side HMAC, JWS and checks with owner secrets, `get`
/// only for readable ones, and no secret byte in any answer, log, run or daemon output.
@Suite struct SecretOperationsEndToEndTests {
    static let hookSecret = "whsec_e2e_7f3c9a51d2b84e06"
    static let readableValue = "pk_live_readable_42"
    static let files = [
        js(
            "api/use.js",
            #"""
            module.exports = async (req) => {
              const out = {};
              const t = "1700000000", body = '{"id":"evt_1"}';
              out.hmac = fazt.secrets.hmac("HOOK", `${t}.${body}`);
              out.hmac512 = fazt.secrets.hmac("HOOK", new TextEncoder().encode("x"), { alg: "sha512", encoding: "base64" });
              // A Stripe-style check (data = t + "." + raw body) and a GitHub-style one (prefix stripped).
              out.stripe = fazt.secrets.verify("HOOK", `${t}.${body}`, out.hmac);
              out.tampered = fazt.secrets.verify("HOOK", `${t}.${body} `, out.hmac);
              out.github = fazt.secrets.verify("HOOK", body, ("sha256=" + fazt.secrets.hmac("HOOK", body)).slice(7));
              out.jwt = fazt.secrets.sign("RSA_KEY", { sub: "fazt", iat: 1 }, { header: { kid: "k1" } });
              out.jwtValid = fazt.secrets.verify("RSA_PUB", out.jwt);
              out.jwtForged = fazt.secrets.verify("RSA_PUB", out.jwt.slice(0, -4) + "AAAA");
              const es = fazt.secrets.sign("EC_KEY", "payload");
              out.esValid = fazt.secrets.verify("EC_KEY", es);
              out.hs = fazt.secrets.verify("HOOK", fazt.secrets.sign("HOOK", { a: 1 }));
              for (const [label, run] of [["notReadable", () => fazt.secrets.get("HOOK")], ["missing", () => fazt.secrets.hmac("NOPE", "x")],
                                          ["badAlg", () => fazt.secrets.sign("RSA_KEY", "x", { alg: "HS256" })],
                                          ["parsedBody", () => fazt.secrets.verify("HOOK", { id: 1 }, "00")]]) {
                try { run(); out[label] = "no error"; } catch (e) { out[label] = { code: e.code, message: e.message }; fazt.log.warn(label, e); }
              }
              console.log("computed", JSON.stringify(out));
              out.globals = Object.keys(globalThis).filter((k) => /secret/i.test(k));
              return out;
            };
            """#
        ),
        js("api/readable.js", #"module.exports = () => ({ value: fazt.secrets.get("OPEN") });"#),
        // The Stripe and GitHub examples of docs/api.md, as written there.
        js(
            "api/stripe.js",
            #"""
            exports.POST = async (req) => {
              const header = req.headers["stripe-signature"] || "";
              const t = (/(?:^|,)t=(\d+)/.exec(header) || [])[1];
              const sigs = [...header.matchAll(/(?:^|,)v1=([0-9a-f]+)/g)].map((m) => m[1]);
              const body = await req.text();
              const fresh = t && Math.abs(Date.now() / 1000 - Number(t)) < 300;
              if (!fresh || !sigs.some((s) => fazt.secrets.verify("HOOK", `${t}.${body}`, s)))
                return { status: 401, body: { error: "bad signature" } };
              return { received: JSON.parse(body).id };
            };
            """#
        ),
        js(
            "api/github.js",
            #"""
            exports.POST = async (req) => {
              const sig = (req.headers["x-hub-signature-256"] || "").replace(/^sha256=/, "");
              const ok = fazt.secrets.verify("HOOK", await req.text(), sig);
              return ok ? { ok } : { status: 401, body: { error: "bad signature" } };
            };
            """#
        ),
        js("api/fail.js", #"module.exports = () => { fazt.secrets.get("HOOK"); };"#),
    ]

    static func hmacHex(_ key: String, _ message: String) -> String {
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.utf8.count), Array(message.utf8), message.utf8.count, &out, &length)
        return out.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    static func base64url(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map { Array($0) }
    }

    @Test func appsUseSecretsWithoutReadingThem() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("vault", try ArchiveFixtures.zip(Self.files)).status == 201)
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        func cli(_ arguments: [String], input: String? = nil) throws -> String {
            let (status, out, err) = try ServerProcess.runCLI(arguments, environment: env, input: input)
            #expect(status == 0, "fazt \(arguments.joined(separator: " ")): \(err)")
            return out + err
        }
        var outputs: [String] = []
        outputs.append(try cli(["secret", "set", "vault", "HOOK", Self.hookSecret]))
        outputs.append(try cli(["secret", "set", "vault", "OPEN", Self.readableValue, "--readable"]))
        outputs.append(try cli(["secret", "set", "--global", "RSA_KEY", "-"], input: TestKeys.rsaPrivate))
        outputs.append(try cli(["secret", "set", "vault", "RSA_PUB", "-"], input: TestKeys.rsaPublic))
        outputs.append(try cli(["secret", "set", "vault", "EC_KEY", "-"], input: TestKeys.ecPrivate))

        let used = try server.app("vault", "/api/use")
        outputs.append(used.text)
        #expect(used.status == 200, "\(used.text)")
        let json = used.json
        let body = #"{"id":"evt_1"}"#
        #expect(json["hmac"] as? String == Self.hmacHex(Self.hookSecret, "1700000000.\(body)"))
        #expect((json["hmac512"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 64)
        #expect(json["stripe"] as? Bool == true && json["tampered"] as? Bool == false)
        #expect(json["github"] as? Bool == true)
        let jwt = try #require(json["jwt"] as? String)
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        #expect(Self.base64url(parts[0]) == Array(#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#.utf8))
        #expect(Self.base64url(parts[1]) == Array(#"{"sub":"fazt","iat":1}"#.utf8))
        #expect(Self.base64url(parts[2])?.count == 256)
        #expect(json["jwtValid"] as? Bool == true && json["jwtForged"] as? Bool == false)
        #expect(json["esValid"] as? Bool == true && json["hs"] as? Bool == true)
        let notReadable = json["notReadable"] as? [String: Any]
        #expect(notReadable?["code"] as? String == "SECRET_NOT_READABLE")
        #expect((notReadable?["message"] as? String)?.contains("fazt secret set vault HOOK - --readable") == true)
        let missing = json["missing"] as? [String: Any]
        #expect(missing?["code"] as? String == "SECRET_NOT_FOUND")
        #expect((missing?["message"] as? String)?.contains("fazt secret set vault NOPE -") == true)
        #expect((json["badAlg"] as? [String: Any])?["code"] as? String == "INVALID_ARGUMENT")
        let parsedBody = json["parsedBody"] as? [String: Any]
        #expect(parsedBody?["code"] as? String == "INVALID_ARGUMENT")
        #expect((parsedBody?["message"] as? String)?.contains("await req.text()") == true)
        #expect((json["globals"] as? [Any])?.isEmpty == true, "nothing secret on globalThis")

        // Webhook handlers as docs/api.md shows them.
        func post(_ path: String, _ headers: [(String, String)]) throws -> TestResponse {
            let answer = try TestHTTP.request(
                port: server.port,
                "POST",
                path,
                host: "vault.localhost:\(server.port)",
                headers: [("Content-Type", "application/json")] + headers,
                body: Array(body.utf8)
            )
            outputs.append(answer.text)
            return answer
        }
        let now = Int(Date().timeIntervalSince1970)
        let stripeSignature = "t=\(now),v1=00ff,v1=\(Self.hmacHex(Self.hookSecret, "\(now).\(body)"))"
        let stripe = try post("/api/stripe", [("Stripe-Signature", stripeSignature)])
        #expect(stripe.status == 200 && stripe.json["received"] as? String == "evt_1", "\(stripe.text)")
        let stale = "t=\(now - 600),v1=\(Self.hmacHex(Self.hookSecret, "\(now - 600).\(body)"))"
        #expect(try post("/api/stripe", [("Stripe-Signature", stale)]).status == 401)
        #expect(try post("/api/stripe", [("Stripe-Signature", "t=\(now),v1=\(Self.hmacHex("x", body))")]).status == 401)
        let github = "sha256=" + Self.hmacHex(Self.hookSecret, body)
        #expect(try post("/api/github", [("X-Hub-Signature-256", github)]).status == 200)
        #expect(try post("/api/github", [("X-Hub-Signature-256", "sha256=zz")]).status == 401)

        // Readable: the value, and only there.
        let readable = try server.app("vault", "/api/readable")
        #expect(readable.status == 200 && readable.json["value"] as? String == Self.readableValue)

        // An uncaught SECRET_NOT_READABLE fails the request and lands in the run history.
        let failed = try server.app("vault", "/api/fail")
        outputs.append(failed.text)
        #expect(failed.status == 500 && !failed.text.isEmpty)
        let runs = try cli(["runs", "vault", "--output"]) + (try cli(["runs", "vault", "--json"]))
        outputs.append(runs)
        #expect(runs.contains("SECRET_NOT_READABLE") || runs.contains("not readable"), "\(runs)")

        // The log lines arrive in batches: wait for them, then read them as the owner does.
        #expect(
            SchedulerTests.waitFor(server) {
                try SchedulerTests.count(
                    $0,
                    "SELECT COUNT(*) FROM logs WHERE app = 'vault' AND message LIKE 'computed%'"
                )
                    == 1
            }
        )
        outputs.append(try cli(["logs", "vault"]))
        outputs.append(server.stderr)
        // Every byte the daemon wrote to disk outside the sealed secrets table.
        for suffix in ["", "-wal"] {
            if let bytes = FileManager.default.contents(atPath: server.dataPath + suffix) {
                outputs.append(String(decoding: bytes, as: UTF8.self))
            }
        }

        let keyLines = [TestKeys.rsaPrivate, TestKeys.ecPrivate].flatMap {
            $0.split(separator: "\n").dropFirst().dropLast()
        }
        for (index, text) in outputs.enumerated() {
            #expect(!text.contains(Self.hookSecret), "output \(index) holds the webhook secret")
            #expect(!text.contains(Self.readableValue), "output \(index) holds the readable value")
            for line in keyLines where text.contains(line) {
                Issue.record("output \(index) holds a private key line")
            }
        }
    }

    @Test func previewsHaveNoSecrets() throws {
        let server = try ServerProcess()
        let attempt = js(
            "api/attempt.js",
            #"module.exports = () => { try { return { value: fazt.secrets.get("OPEN") }; } catch (e) { return { code: e.code, message: e.message }; } };"#
        )
        #expect(try server.deploy("vault", try ArchiveFixtures.zip(Self.files + [attempt])).status == 201)
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        #expect(
            try ServerProcess.runCLI(["secret", "set", "vault", "OPEN", "v", "--readable"], environment: env).0 == 0
        )
        #expect(try server.app("vault", "/api/attempt").json["value"] as? String == "v")
        let answer = try TestHTTP.request(
            port: server.port,
            "GET",
            "/api/attempt",
            host: "vault--v1.localhost:\(server.port)",
            headers: [("Authorization", "Bearer \(try server.token())")]
        )
        #expect(answer.json["code"] as? String == "PREVIEW", "\(answer.text)")
        #expect((answer.json["message"] as? String)?.contains("fazt.secrets is off in previews") == true)
    }
}

import FaztTestSupport
import Foundation
import Testing

/// Secrets filled into outbound requests by the daemon (`fetch(url, {auth})`, `{{secret:NAME}}`):
/// what the upstream receives, what the app sees (redacted), host binding and redirects.
///
/// The upstream is another app on the same daemon (`echo.localhost`) that answers with what it got,
/// once as is (which the caller must only ever see redacted) and once reversed (which redaction does
/// not recognize, so the test can check the value arrived).
@Suite struct OutboundSecretsTests {
    static let secret = "sk_live_9f8e7d6c5b4a3210"
    static let global = "glob-Token/with+chars=="

    static let echo = #"""
        const rev = (s) => s == null ? null : String(s).split("").reverse().join("");
        module.exports = async (req) => {
          const body = typeof req.body === "string" ? req.body : req.body == null ? null : JSON.stringify(req.body);
          const seen = { auth: req.headers.authorization, key: req.headers["x-key"], q: req.query.k, body };
          const reversed = {};
          for (const [k, v] of Object.entries(seen)) reversed[k] = rev(v);
          return new Response(JSON.stringify({ seen, reversed }), {
            headers: { "content-type": "application/json", "x-echo": seen.key ?? "" },
          });
        };
        """#

    static let caller = #"""
        module.exports = async (req) => {
          const init = JSON.parse(req.query.init ?? "{}");
          try {
            const response = await fetch(req.query.url, init);
            return { status: response.status, text: await response.text(), echo: response.headers.get("x-echo"), url: response.url };
          } catch (error) {
            return { error: error.message, code: error.code ?? null };
          }
        };
        """#

    func start() throws -> (ServerProcess, [String: String]) {
        let server = try ServerProcess(arguments: ["--allow-private-egress"])
        for (name, code) in [("echo", Self.echo), ("caller", Self.caller), ("other", Self.caller)] {
            #expect(try server.deploy(name, try ArchiveFixtures.zip([js("api/main.js", code)])).status == 201)
        }
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        let bound = try ServerProcess.runCLI(
            ["secret", "set", "caller", "API_KEY", "--host", "echo.localhost"],
            environment: env,
            input: Self.secret + "\n"
        )
        #expect(bound.0 == 0 && bound.1.contains("only sent to echo.localhost"), "\(bound)")
        let global = try ServerProcess.runCLI(
            ["secret", "set", "--global", "SHARED", "-"],
            environment: env,
            input: Self.global
        )
        #expect(global.0 == 0, "\(global)")
        return (server, env)
    }

    func call(
        _ server: ServerProcess,
        app: String = "caller",
        _ url: String,
        _ options: String = "{}"
    ) throws -> [String: Any] {
        let query = [("url", url), ("init", options)].map {
            "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)"
        }
        return try server.app(app, "/api?" + query.joined(separator: "&")).json
    }

    @Test func secretsReachTheUpstreamAndComeBackRedacted() throws {
        let (server, _) = try start()
        let port = server.port
        let options =
            #"{"method":"POST","auth":"API_KEY","headers":{"x-key":"k={{secret:API_KEY}}","content-type":"text/plain"},"body":"token={{secret:API_KEY}}&g={{secret:SHARED}}"}"#
        let answer = try call(server, "http://echo.localhost:\(port)/api?k={{secret:API_KEY}}", options)
        #expect(answer["status"] as? Int == 200, "\(answer)")
        let text = answer["text"] as? String ?? ""
        let echoed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        let reversed = echoed["reversed"] as? [String: Any] ?? [:]
        func unreversed(_ key: String) -> String { String((reversed[key] as? String ?? "").reversed()) }
        // The upstream got the values, filled in where the placeholders stood.
        #expect(unreversed("auth") == "Bearer \(Self.secret)")
        #expect(unreversed("key") == "k=\(Self.secret)")
        #expect(unreversed("q") == Self.secret)
        #expect(unreversed("body") == "token=\(Self.secret)&g=\(Self.global)")
        // What the app's JavaScript got back names none of them.
        let seen = echoed["seen"] as? [String: Any] ?? [:]
        #expect(seen["auth"] as? String == "Bearer [REDACTED]", "\(seen)")
        #expect(seen["body"] as? String == "token=[REDACTED]&g=[REDACTED]", "\(seen)")
        #expect(answer["echo"] as? String == "k=[REDACTED]")
        #expect((answer["url"] as? String)?.contains("k=[REDACTED]") == true, "\(answer)")
        for value in [Self.secret, Self.global] { #expect(!"\(answer)".contains(value)) }
        // A URLSearchParams-encoded placeholder and a custom header with the bare value work too.
        let custom = #"{"auth":{"secret":"API_KEY","header":"X-Key"}}"#
        let encoded = try call(server, "http://echo.localhost:\(port)/api?k=%7B%7Bsecret%3AAPI_KEY%7D%7D", custom)
        let customText = encoded["text"] as? String ?? ""
        let customEcho = try JSONSerialization.jsonObject(with: Data(customText.utf8)) as? [String: Any] ?? [:]
        let customReversed = customEcho["reversed"] as? [String: Any] ?? [:]
        #expect(String((customReversed["key"] as? String ?? "").reversed()) == Self.secret, "\(encoded)")
        #expect(String((customReversed["q"] as? String ?? "").reversed()) == Self.secret)
        try expectNoSecretStored(server)
    }

    @Test func aBoundSecretIsRefusedOnOtherHostsAndRedirectsAreRechecked() throws {
        let (server, env) = try start()
        let port = server.port
        // Bound to echo.localhost: any other host is refused before anything is sent.
        let elsewhere = try call(server, "http://localhost:\(port)/_fazt/api/v1/health", #"{"auth":"API_KEY"}"#)
        #expect(elsewhere["code"] as? String == "NET_AUTH", "\(elsewhere)")
        #expect((elsewhere["error"] as? String)?.contains("echo.localhost") == true)
        let inQuery = try call(server, "http://localhost:\(port)/_fazt/api/v1/health?k={{secret:API_KEY}}")
        #expect(inQuery["code"] as? String == "NET_AUTH", "\(inQuery)")
        // An unbound secret goes only to the host it was addressed to: a redirect elsewhere is refused.
        let hop = "module.exports = (req) => new Response('', { status: 302, headers: { location: req.query.to } });"
        #expect(try server.deploy("hop", try ArchiveFixtures.zip([js("api/main.js", hop)])).status == 201)
        let target = "http://echo.localhost:\(port)/api".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let redirected = try call(server, "http://hop.localhost:\(port)/api?to=\(target)", #"{"auth":"SHARED"}"#)
        #expect(redirected["code"] as? String == "NET_AUTH", "\(redirected)")
        #expect((redirected["error"] as? String)?.contains("echo.localhost") == true, "\(redirected)")
        // Bound to *.localhost, the same redirect is followed and the value arrives.
        let wide = try ServerProcess.runCLI(
            ["secret", "set", "caller", "WIDE", "wide-secret-value", "--host", "*.localhost"],
            environment: env
        )
        #expect(wide.0 == 0, "\(wide)")
        let followed = try call(server, "http://hop.localhost:\(port)/api?to=\(target)", #"{"auth":"WIDE"}"#)
        #expect(followed["status"] as? Int == 200, "\(followed)")
        #expect((followed["text"] as? String)?.contains("eulav-terces-ediw reraeB") == true, "\(followed)")
        // A placeholder in the path, an unknown secret, another app's secret: refused, naming the fix.
        let inPath = try call(server, "http://echo.localhost:\(port)/{{secret:API_KEY}}")
        #expect(inPath["code"] as? String == "NET_AUTH" && "\(inPath)".contains("not in the host or path"))
        let unknown = try call(server, "http://echo.localhost:\(port)/api", #"{"auth":"NOPE"}"#)
        #expect((unknown["error"] as? String)?.contains("fazt secret set caller NOPE -") == true, "\(unknown)")
        let foreign = try call(server, app: "other", "http://echo.localhost:\(port)/api", #"{"auth":"API_KEY"}"#)
        #expect(foreign["code"] as? String == "NET_AUTH", "another app cannot use caller's secret: \(foreign)")
        let shared = try call(server, app: "other", "http://echo.localhost:\(port)/api", #"{"auth":"SHARED"}"#)
        #expect(shared["status"] as? Int == 200, "a global secret serves every app: \(shared)")
        // A preview runs draft code: no secrets, not even global ones.
        let query =
            "url=" + "http://echo.localhost:\(port)/api".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let preview = try TestHTTP.request(
            port: port,
            "GET",
            "/api?\(query)&init=%7B%22auth%22%3A%22SHARED%22%7D",
            host: "caller--v1.localhost:\(port)",
            headers: [("Authorization", "Bearer \(try server.token())")]
        )
        #expect(preview.json["code"] as? String == "NET_AUTH", "\(preview.text)")
        #expect((preview.json["error"] as? String)?.contains("preview") == true)
        // The call log names the refusals, never a value.
        let log = try server.api("GET", "/apps/caller/egress").text
        #expect(log.contains("NET_AUTH"), "\(log)")
        try expectNoSecretStored(server)
    }

    /// No value in the daemon's output, app logs, call log or run history.
    func expectNoSecretStored(_ server: ServerProcess) throws {
        var texts = [server.stderr]
        for path in ["/apps/caller/logs", "/apps/caller/egress", "/apps/caller/runs", "/apps/other/logs"] {
            texts.append(try server.api("GET", path).text)
        }
        for text in texts {
            for value in [Self.secret, Self.global, "wide-secret-value"] {
                #expect(!text.contains(value), "a secret leaked into \(text.prefix(200))")
            }
        }
    }
}

import FaztTestSupport
import Foundation
import Testing

/// An app's `"egress"` list through the real binary: listed hosts, `*.suffix`, IP literals and
/// redirects re-checked at every hop. Loopback targets need `--allow-private-egress`; `localhost`
/// and `*.localhost` resolve to it, so host names can be tested without DNS.
@Suite struct EgressRulesTests {
    static let fetcher = #"""
        module.exports = async (req) => {
          try {
            const response = await fetch(req.query.url);
            return { status: response.status, url: response.url };
          } catch (error) {
            return { error: error.message, code: error.code ?? null };
          }
        };
        """#

    @Test func onlyListedHostsAndRedirectHopsAreReached() throws {
        let server = try ServerProcess(arguments: ["--allow-private-egress"])
        let port = server.port
        _ = try server.deploy(
            "fetcher",
            try ArchiveFixtures.zip([
                ArchiveFixtures.file("fazt.json", #"{"egress": ["localhost", "*.localhost"]}"#),
                js("api/main.js", Self.fetcher),
            ])
        )
        let hop = "module.exports = (req) => new Response('', { status: 302, headers: { location: req.query.to } });"
        _ = try server.deploy("hop", try ArchiveFixtures.zip([js("api/main.js", hop)]))
        func fetch(_ url: String) throws -> [String: Any] {
            let encoded = url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? url
            return try server.app("fetcher", "/api?url=\(encoded)").json
        }
        let health = "/_fazt/api/v1/health"
        // A listed name and a `*.localhost` name two labels deep are reached.
        #expect(try fetch("http://localhost:\(port)\(health)")["status"] as? Int == 200)
        let deep = try fetch("http://a.b.localhost:\(port)\(health)")
        #expect(deep["status"] is Int && deep["error"] == nil, "\(deep)")  // reached (the daemon answers)
        // An IP literal is refused unless listed, with the code and the host in the message.
        let literal = try fetch("http://127.0.0.1:\(port)\(health)")
        #expect(literal["code"] as? String == "NET_BLOCKED", "\(literal)")
        #expect((literal["error"] as? String)?.contains("\"127.0.0.1\"") == true)
        // A redirect to a listed host is followed; one to an unlisted host is refused.
        let followed = try fetch("http://hop.localhost:\(port)/api?to=http://localhost:\(port)\(health)")
        #expect(followed["status"] as? Int == 200, "\(followed)")
        #expect((followed["url"] as? String)?.hasPrefix("http://localhost:") == true)
        let refused = try fetch("http://hop.localhost:\(port)/api?to=http://127.0.0.1:\(port)\(health)")
        #expect(refused["code"] as? String == "NET_BLOCKED", "\(refused)")
        #expect((refused["error"] as? String)?.contains("\"127.0.0.1\"") == true)
    }

    @Test func withoutAListAnyHostIsReachedAndPrivateAddressesStayRefused() throws {
        let server = try ServerProcess()
        _ = try server.deploy("open", try ArchiveFixtures.zip([js("api/main.js", Self.fetcher)]))
        let listed = #"{"egress": ["localhost"]}"#
        _ = try server.deploy(
            "listed",
            try ArchiveFixtures.zip([ArchiveFixtures.file("fazt.json", listed), js("api/main.js", Self.fetcher)])
        )
        let url = "http%3A%2F%2Flocalhost%3A\(server.port)%2F_fazt%2Fapi%2Fv1%2Fhealth"
        // Listed, but loopback is private: refused as before (no code), naming the owner's flag.
        let listedAnswer = try server.app("listed", "/api?url=\(url)").json
        #expect((listedAnswer["error"] as? String)?.contains("--allow-private-egress") == true, "\(listedAnswer)")
        let openAnswer = try server.app("open", "/api?url=\(url)").json
        #expect((openAnswer["error"] as? String)?.contains("private or loopback") == true, "\(openAnswer)")
        #expect(openAnswer["code"] is NSNull)
    }

    @Test func aBadEntryFailsTheDeployNamingIt() throws {
        let server = try ServerProcess()
        let archive = try ArchiveFixtures.zip([
            ArchiveFixtures.file("fazt.json", #"{"egress": ["api.github.com", "http://x.com"]}"#),
            js("api/main.js", "module.exports = () => 'hi';"),
        ])
        let response = try server.deploy("bad", archive)
        #expect(response.status == 400, "\(response.text)")
        #expect(response.text.contains("http://x.com"))
    }

    @Test func perAppLimitsRefuseWithNetLimitNamingTheFlag() throws {
        let server = try ServerProcess(arguments: [
            "--allow-private-egress", "--egress-concurrency", "2", "--egress-per-minute", "5",
            "--egress-max-response-mb", "1",
        ])
        _ = try server.deploy(
            "files",
            try ArchiveFixtures.zip([.file("big.bin", Array(repeating: 7, count: 2 << 20))])
        )
        let source = #"""
            const get = (url) => fetch(url).then((r) => r.arrayBuffer().then((b) => b.byteLength),
              (e) => `${e.code ?? ''} ${e.message}`);
            module.exports = async (req) => {
              const base = `http://localhost:${req.query.port}`;
              const big = await get(`http://files.localhost:${req.query.port}/big.bin`);
              const together = await Promise.all([1, 2, 3, 4].map(() => get(`${base}/_fazt/api/v1/health`)));
              const after = [];
              for (let i = 0; i < 3; i++) after.push(await get(`${base}/_fazt/api/v1/health`));
              return { big, together, after };
            };
            """#
        _ = try server.deploy("busy", try ArchiveFixtures.zip([js("api/main.js", source)]))
        let answer = try server.app("busy", "/api?port=\(server.port)").json
        #expect((answer["big"] as? String)?.contains("larger than 1 MB") == true, "\(answer)")
        let together = answer["together"] as? [Any] ?? []
        let limited = together.compactMap { $0 as? String }
        #expect(!limited.isEmpty && limited.allSatisfy { $0.hasPrefix("NET_LIMIT") }, "\(together)")
        #expect(limited.allSatisfy { $0.contains("--egress-concurrency") })
        // Five a minute: whatever ran so far counts; the rest of the minute is refused.
        let after = (answer["after"] as? [Any] ?? []).compactMap { $0 as? String }
        #expect(after.contains { $0.hasPrefix("NET_LIMIT") && $0.contains("--egress-per-minute") }, "\(answer)")
    }
}

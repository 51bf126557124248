import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// Owner grants (`fazt net allow|list|remove`, `/apps/{name}/net`) on top of the manifest's `egress`.
@Suite struct EgressGrantsTests {
    @Test func grantsRestrictAnAppWithoutAListAndAddToOneWithAList() throws {
        let server = try ServerProcess(arguments: ["--allow-private-egress"])
        let port = server.port
        let env = try CLITests.environment(server)
        _ = try server.deploy("open", try ArchiveFixtures.zip([js("api/main.js", EgressRulesTests.fetcher)]))
        _ = try server.deploy(
            "listed",
            try ArchiveFixtures.zip([
                ArchiveFixtures.file("fazt.json", #"{"egress": ["localhost"]}"#),
                js("api/main.js", EgressRulesTests.fetcher),
            ])
        )
        func fetch(_ app: String, _ url: String) throws -> [String: Any] {
            let encoded = url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? url
            return try server.app(app, "/api?url=\(encoded)").json
        }
        let literal = "http://127.0.0.1:\(port)/_fazt/api/v1/health"
        let named = "http://localhost:\(port)/_fazt/api/v1/health"
        // No list, no grant: any host (loopback allowed by the flag).
        #expect(try fetch("open", literal)["status"] as? Int == 200)
        let (listStatus, listOut, _) = try ServerProcess.runCLI(["net", "list", "open"], environment: env)
        #expect(listStatus == 0 && listOut.contains("any public host"), "\(listOut)")

        // A grant alone restricts the app to the granted hosts.
        let (status, out, error) = try ServerProcess.runCLI(["net", "allow", "open", "localhost"], environment: env)
        #expect(status == 0 && out.contains("allowed localhost"), "\(out)\(error)")
        #expect(try fetch("open", named)["status"] as? Int == 200)
        #expect(try fetch("open", literal)["code"] as? String == "NET_BLOCKED")

        // A grant adds to a manifest list; the listing names where each entry comes from.
        #expect(try fetch("listed", literal)["code"] as? String == "NET_BLOCKED")
        #expect(try server.api("POST", "/apps/listed/net", body: Array(#"{"host":"127.0.0.1"}"#.utf8)).status == 200)
        #expect(try fetch("listed", literal)["status"] as? Int == 200)
        let listing = try server.api("GET", "/apps/listed/net").json
        #expect(listing["manifest"] as? [String] == ["localhost"] && listing["grants"] as? [String] == ["127.0.0.1"])
        #expect(listing["restricted"] as? Bool == true)

        // Removing the last grant of an app without a list opens it again.
        let (removed, _, removeError) = try ServerProcess.runCLI(
            ["net", "remove", "open", "localhost"],
            environment: env
        )
        #expect(removed == 0, "\(removeError)")
        #expect(try fetch("open", literal)["status"] as? Int == 200)
        #expect(try server.api("DELETE", "/apps/open/net/localhost").status == 404)

        // Every call is recorded, newest first, without bodies; `fazt net log` shows them.
        // Records are written after the reply, so the newest may need a moment.
        var calls: [[String: Any]] = []
        for _ in 0..<100 {
            calls = try server.api("GET", "/apps/listed/egress?limit=3").json["calls"] as? [[String: Any]] ?? []
            if calls.count == 2 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(calls.count == 2, "\(calls)")
        #expect(calls.first?["host"] as? String == "127.0.0.1" && calls.first?["status"] as? Int == 200)
        #expect(calls.first?["method"] as? String == "GET" && (calls.first?["bytes"] as? Int ?? 0) > 0)
        #expect(calls.contains { $0["error"] as? String == "NET_BLOCKED" && $0["status"] as? Int == 0 })
        #expect(try server.api("GET", "/apps/listed/egress?limit=0").status == 400)
        let (logStatus, logOut, _) = try ServerProcess.runCLI(["net", "log", "listed"], environment: env)
        #expect(logStatus == 0 && logOut.contains("NET_BLOCKED") && logOut.contains("127.0.0.1"), "\(logOut)")
        let (runsStatus, runsOut, _) = try ServerProcess.runCLI(
            ["runs", "listed", "--kind", "fetch"],
            environment: env
        )
        #expect(runsStatus == 0 && runsOut == logOut, "fazt runs --kind fetch shows the same calls: \(runsOut)")

        // Bad patterns and unknown apps are refused, naming the mistake.
        let bad = try server.api("POST", "/apps/open/net", body: Array(#"{"host":"https://x.com"}"#.utf8))
        #expect(bad.status == 400 && bad.text.contains("https://x.com"), "\(bad.text)")
        #expect(try server.api("POST", "/apps/ghost/net", body: Array(#"{"host":"x.com"}"#.utf8)).status == 404)

        // Deleting the app deletes its call records (and its grants, by cascade).
        #expect(try server.api("DELETE", "/apps/listed").status == 200)
        let store = try Store(path: server.dataPath)
        let left = try store.read {
            try $0.queryOne("SELECT COUNT(*) FROM egress_log WHERE app = 'listed'") { $0.int(0) } ?? -1
        }
        #expect(left == 0)
    }
}

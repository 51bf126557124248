import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt ai provider|model|budget|usage` and `fazt grant APP ai` against the real binary.
@Suite struct AIRegistryTests {
    static let key = "sk-e2e-NEVER-SHOWN-4242"

    /// Runs CLI commands against one server and remembers every output, to search it for the key.
    final class Session: @unchecked Sendable {
        // Safe: used by one test on one thread.
        let server: ServerProcess
        let env: [String: String]
        var outputs: [String] = []

        init() throws {
            server = try ServerProcess()
            env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        }

        @discardableResult
        func cli(_ arguments: [String], input: String? = nil) throws -> (status: Int32, out: String, err: String) {
            let (status, out, err) = try ServerProcess.runCLI(arguments, environment: env, input: input)
            outputs += [out, err]
            return (status, out, err)
        }
    }

    @Test func providersAndModelsWithoutEverShowingTheKey() throws {
        let session = try Session()
        let fake = try LoopbackReceiver(.http)
        fake.respond(with: 200, body: #"{"object":"list","data":[{"id":"llama3"},{"id":"qwen2"}]}"#)
        let local = "http://127.0.0.1:\(fake.port)/v1"

        let added = try session.cli(
            ["ai", "provider", "add", "local", "--type", "openai-compatible", "--base-url", local, "--key-stdin"],
            input: Self.key + "\n"
        )
        #expect(added.status == 0, "\(added.err)")
        #expect(added.out.contains("added provider local (openai-compatible, \(local), key set)"))
        let badName = try session.cli(["ai", "provider", "add", "Bad_Name", "--type", "openai"])
        #expect(badName.status != 0 && badName.err.contains("lowercase letters, digits and '-'"))
        let badType = try session.cli(["ai", "provider", "add", "x", "--type", "mistral"])
        #expect(badType.status != 0 && badType.err.contains("use one of openai, openai-compatible, anthropic, gemini"))
        let badURL = try session.cli([
            "ai", "provider", "add", "x", "--type", "openai", "--base-url", "http://u:pw@h/v1",
        ])
        #expect(badURL.status != 0 && badURL.err.contains("--key-stdin instead"))
        let replaced = try session.cli(
            ["ai", "provider", "add", "spare", "--type", "openai", "--key-stdin", "--json"],
            input: Self.key
        )
        let spare = try JSONSerialization.jsonObject(with: Data(replaced.out.utf8)) as? [String: Any]
        #expect(spare?["keySet"] as? Bool == true && spare?["baseURL"] as? String == "https://api.openai.com/v1")
        #expect(spare?.keys.contains("key") == false)
        #expect(try session.cli(["ai", "provider", "remove", "spare"]).status == 0)
        let emptyKey = try session.cli(["ai", "provider", "add", "x", "--type", "openai", "--key-stdin"], input: "")
        #expect(emptyKey.status != 0 && emptyKey.err.contains("read nothing"))

        let list = try session.cli(["ai", "provider", "list"])
        #expect(list.status == 0)
        let row = list.out.split(separator: "\n").first { $0.hasPrefix("local") }.map(String.init) ?? ""
        #expect(row.contains("openai-compatible") && row.contains(local) && row.contains("key set"))
        let json = try session.cli(["ai", "provider", "list", "--json"])
        let providers = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect((providers?["providers"] as? [[String: Any]])?.first?["keySet"] as? Bool == true)

        let tested = try session.cli(["ai", "provider", "test", "local"])
        #expect(tested.status == 0, "\(tested.err)")
        #expect(tested.out.range(of: #"answered in \d+ ms with 2 models"#, options: .regularExpression) != nil)
        #expect(tested.out.contains("  llama3") && tested.out.contains("  qwen2"))
        #expect(fake.all.last?.path == "/v1/models")
        #expect(fake.all.last?.headers["authorization"] == "Bearer \(Self.key)")

        fake.respond(with: 401, body: #"{"error":{"message":"Incorrect API key provided: \#(Self.key)"}}"#)
        let refused = try session.cli(["ai", "provider", "test", "local"])
        #expect(refused.status != 0)
        #expect(refused.err.contains("HTTP 401: Incorrect API key provided: [key]"))

        fake.respond(with: 200, body: #"{"data":[{"id":"claude-x"}]}"#)
        let anthropic = try session.cli(
            [
                "ai", "provider", "add", "claude", "--type", "anthropic", "--base-url",
                "http://127.0.0.1:\(fake.port)", "--key-stdin",
            ],
            input: Self.key
        )
        #expect(anthropic.status == 0, "\(anthropic.err)")
        #expect(try session.cli(["ai", "provider", "test", "claude"]).out.contains("claude-x"))
        #expect(fake.all.last?.path == "/v1/models")
        #expect(fake.all.last?.headers["x-api-key"] == Self.key)
        #expect(fake.all.last?.headers["anthropic-version"] == "2023-06-01")
        #expect(fake.all.last?.headers["authorization"] == nil)
        #expect(try session.cli(["ai", "provider", "test", "nope"]).err.contains("no provider named nope"))

        try models(session)

        let server = session.server
        let apiList = try server.api("GET", "/ai/providers")
        #expect(apiList.status == 200 && !apiList.text.contains(Self.key))
        #expect(server.waitForStderr(Self.key, seconds: 0.5) == false)
        for output in session.outputs { #expect(!output.contains(Self.key)) }
        for suffix in ["", "-wal"] {
            let bytes = FileManager.default.contents(atPath: server.dataPath + suffix) ?? Data()
            #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "the key is in data.db\(suffix) in the clear")
        }
    }

    /// Aliases, fallbacks, the default, and removal order.
    func models(_ session: Session) throws {
        let fast = try session.cli([
            "ai", "model", "add", "fast", "--provider", "local", "--model", "llama3", "--input-price", "0.1",
            "--output-price", "0.2", "--default",
        ])
        #expect(fast.status == 0 && fast.out.contains("added model fast (local/llama3), the default"), "\(fast.err)")
        #expect(
            try session.cli([
                "ai", "model", "add", "smart", "--provider", "local", "--model", "qwen2", "--fallback", "fast",
            ])
            .status == 0
        )
        let cycle = try session.cli([
            "ai", "model", "add", "fast", "--provider", "local", "--model", "llama3", "--fallback", "smart",
        ])
        #expect(cycle.status != 0 && cycle.err.contains("fast → smart → fast"))
        let unknown = try session.cli(["ai", "model", "add", "x", "--provider", "nope", "--model", "m"])
        #expect(unknown.status != 0 && unknown.err.contains("fazt ai provider add nope"))
        let listed = try session.cli(["ai", "model", "list"])
        let fastRow = listed.out.split(separator: "\n").first { $0.hasPrefix("fast") }.map(String.init) ?? ""
        #expect(fastRow.contains("llama3") && fastRow.contains("0.1") && fastRow.hasSuffix("yes"))

        let inUse = try session.cli(["ai", "provider", "remove", "local"])
        #expect(inUse.status != 0 && inUse.err.contains("used by the models fast, smart"))
        #expect(try session.cli(["ai", "model", "default", "smart"]).status == 0)
        let json = try session.cli(["ai", "model", "list", "--json"])
        let models = (try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])?["models"]
        let defaults = (models as? [[String: Any]])?.filter { $0["default"] as? Bool == true }.map {
            $0["alias"] as? String
        }
        #expect(defaults == ["smart"])
        #expect(try session.cli(["ai", "model", "remove", "fast"]).err.contains("fallback of smart"))
        #expect(try session.cli(["ai", "model", "remove", "smart"]).status == 0)
        #expect(try session.cli(["ai", "model", "remove", "fast"]).status == 0)
        #expect(try session.cli(["ai", "model", "remove", "fast"]).err.contains("no model alias fast"))
        #expect(try session.cli(["ai", "provider", "remove", "local"]).status == 0)
        #expect(!(try session.cli(["ai", "provider", "list"]).out.contains("local")))
    }

    @Test func appsNeedTheManifestPermissionAndTheGrantAndHaveBudgets() throws {
        let session = try Session()
        let server = session.server
        let site = try TemporaryDirectory()
        try "<h1>ai</h1>".write(toFile: site.path + "/index.html", atomically: true, encoding: .utf8)
        try #"{"permissions": ["ai"]}"#.write(toFile: site.path + "/fazt.json", atomically: true, encoding: .utf8)
        let deployed = try session.cli(["deploy", site.path, "--app", "aiapp"])
        #expect(deployed.status == 0)
        #expect(
            (deployed.out + deployed.err).contains("permission ai: needs the owner's grant — run: fazt grant aiapp ai")
        )
        try "{}".write(toFile: site.path + "/fazt.json", atomically: true, encoding: .utf8)
        #expect(try session.cli(["deploy", site.path, "--app", "plain"]).status == 0)

        func permitted(_ app: String) throws -> Bool? {
            let answer = try session.cli(["ai", "budget", app, "--json"])
            return (try JSONSerialization.jsonObject(with: Data(answer.out.utf8)) as? [String: Any])?["permitted"]
                as? Bool
        }
        #expect(try session.cli(["ai", "budget", "aiapp"]).out.contains("not permitted"))
        #expect(try permitted("aiapp") == false)
        let granted = try session.cli(["grant", "aiapp", "ai"])
        #expect(granted.status == 0 && granted.out.contains("granted ai to aiapp"), "\(granted.err)")
        #expect(try permitted("aiapp") == true)
        #expect(try session.cli(["grant", "plain", "ai"]).status == 0)
        #expect(try permitted("plain") == false)
        #expect(try session.cli(["grant", "aiapp", "ai", "--revoke"]).status == 0)
        #expect(try permitted("aiapp") == false)
        #expect(try session.cli(["grant", "aiapp", "bogus"]).err.contains("permissions look like ai"))

        let set = try session.cli(["ai", "budget", "aiapp", "--tokens-per-day", "100000", "--cost-per-day", "2.5"])
        #expect(set.status == 0, "\(set.err)")
        let tokens = set.out.split(separator: "\n").first { $0.hasPrefix("tokens today") }.map(String.init) ?? ""
        #expect(tokens.contains("100,000"))
        #expect(set.out.contains("$2.50"))
        #expect(try session.cli(["ai", "budget", "aiapp", "--requests-per-minute", "-1"]).status != 0)
        #expect(try session.cli(["ai", "budget", "ghost"]).err.contains("no app named \"ghost\""))

        // Calls as the daemon's fazt.ai will record them.
        let connection = try Connection(path: server.dataPath, readOnly: false)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (tokens, micros) in [(1000, 150), (3000, 450)] {
            _ = try connection.run(
                """
                INSERT INTO ai_calls (app, model_alias, provider, provider_model, input_tokens, output_tokens,
                    cache_read_tokens, cache_write_tokens, cost_micros, duration_ms, outcome, created_at)
                VALUES ('aiapp', 'fast', 'local', 'llama3', ?, 10, 0, 0, ?, 5, 'ok', ?)
                """,
                [.integer(Int64(tokens)), .integer(Int64(micros)), .integer(now)]
            )
        }
        let budget = try session.cli(["ai", "budget", "aiapp", "--json"])
        let usage = (try JSONSerialization.jsonObject(with: Data(budget.out.utf8)) as? [String: Any])?["usage"]
        #expect((usage as? [String: Any])?["tokensToday"] as? Int == 4020)
        let table = try session.cli(["ai", "usage", "aiapp"])
        let fastRow = table.out.split(separator: "\n").first { $0.contains(" fast ") }.map(String.init) ?? ""
        #expect(fastRow.contains("aiapp") && fastRow.contains("4000") && fastRow.contains("$0.0006"), "\(table.out)")
        let http = try server.api("GET", "/apps/aiapp/ai/usage?days=7")
        let rows = (http.json["usage"] as? [[String: Any]]) ?? []
        #expect(http.status == 200 && rows.count == 1 && rows.first?["calls"] as? Int == 2)
        #expect(try server.api("GET", "/apps/plain/ai/usage").json["usage"] as? [Any] != nil)
        #expect(try session.cli(["ai", "usage", "plain"]).out.contains("no AI calls"))
        #expect(try server.api("GET", "/apps/aiapp/ai/usage?days=0").status == 400)
        #expect(try server.api("GET", "/apps/aiapp/ai/usage", token: "fzt_bad").status == 401)

        let refused = try server.api(
            "POST",
            "/ai/providers",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"name":"x","type":"nope"}"#.utf8)
        )
        #expect(refused.status == 400)
        #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "bad_request")
    }
}

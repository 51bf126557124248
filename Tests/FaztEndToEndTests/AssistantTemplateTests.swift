import FaztTestSupport
import Foundation
import Testing

/// The assistant template's HTTP API on the real binary, without a browser: `fazt create --template
/// assistant`, deploy, the origin checks, conversations, an answer stored by `onDone`, the rate limit
/// and the hand-off. (AssistantBrowserTests drives the widget itself in Chromium.)
@Suite struct AssistantTemplateTests {
    static let identitySecret = "s3cret"
    /// hex HMAC-SHA256("s3cret", "42"), as the embedding site's server computes it.
    static let identityHash = "982005f6c4662ae06eaa3ba4eac3c6459bc772386f3c8ac329b503a2ee32276e"

    final class Setup: @unchecked Sendable {
        // Safe: used by one test on one thread.
        let server: ServerProcess
        let mock: MockAIProvider
        let folder: TemporaryDirectory
        let env: [String: String]

        init() throws {
            server = try ServerProcess()
            mock = try MockAIProvider()
            folder = try TemporaryDirectory()
            env = [
                "FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token(),
                "XDG_CONFIG_HOME": folder.path,
            ]
            try cli([
                "ai", "provider", "add", "local", "--type", "openai-compatible", "--base-url",
                mock.baseURL(for: .openAI),
            ])
            try cli(["ai", "model", "add", "chat", "--provider", "local", "--model", "echo", "--default"])
            try cli(["create", "support", "--template", "assistant", "--dir", folder.path + "/support"])
            try deploy([
                "origins": [server.origin(of: "site")],
                "rateLimits": ["perIpPerMinute": 100, "perConversationPerMinute": 3],
                "identitySecret": "ASSISTANT_IDENTITY_SECRET",
            ])
            try cli(["grant", "support", "ai"])
            try cli(["env", "set", "support", "ASSISTANT_IDENTITY_SECRET", AssistantTemplateTests.identitySecret])
        }

        /// Sets `settings` in the created app's `assistant` key and deploys it.
        func deploy(_ settings: [String: Any]) throws {
            let manifestURL = URL(fileURLWithPath: folder.path + "/support/fazt.json")
            var manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any]
            )
            var assistant = try #require(manifest["assistant"] as? [String: Any])
            assistant.merge(settings) { _, new in new }
            manifest["assistant"] = assistant
            try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
            try cli(["deploy", folder.path + "/support"])
        }

        @discardableResult
        func cli(_ arguments: [String]) throws -> String {
            let (status, out, err) = try ServerProcess.runCLI(arguments, environment: env)
            guard status == 0 else { throw TestError("fazt \(arguments.joined(separator: " ")): \(err)") }
            return out
        }

        func get(_ path: String, headers: [(String, String)] = []) throws -> TestResponse {
            try server.app("support", path, headers: headers)
        }

        func post(_ path: String, _ body: [String: Any]) throws -> TestResponse {
            try TestHTTP.request(
                port: server.port,
                "POST",
                path,
                host: "support.localhost:\(server.port)",
                headers: [("Content-Type", "application/json")],
                body: Array(try JSONSerialization.data(withJSONObject: body))
            )
        }

        /// A new conversation: (id, key).
        func conversation() throws -> (id: String, key: String) {
            let created = try post("/api/conversations", ["origin": server.origin(of: "site")])
            guard created.status == 201, let id = created.json["id"] as? String,
                let key = created.json["key"] as? String
            else { throw TestError("POST /api/conversations: \(created.status) \(created.text)") }
            return (id, key)
        }

        func transcript(_ conversation: (id: String, key: String)) throws -> [String: Any] {
            let response = try get("/api/conversations/\(conversation.id)?key=\(conversation.key)")
            guard response.status == 200 else { throw TestError("transcript: \(response.status) \(response.text)") }
            return response.json
        }

        /// Polls the transcript (the answer is stored by a job when the stream ends; no event to wait on).
        func stored(_ conversation: (id: String, key: String), streamId: String) throws -> [String: Any]? {
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                let messages = try transcript(conversation)["messages"] as? [[String: Any]] ?? []
                if let answer = messages.first(where: { $0["streamId"] as? String == streamId }) { return answer }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return nil
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func originsConversationsAnswersLimitsAndHandoff() throws {
        let setup = try Setup()
        let site = setup.server.origin(of: "site")
        let evil = setup.server.origin(of: "evil")

        // Origins: the configured site and the app itself pass; others get 403 and the fix.
        let allowed = try setup.get("/api/config", headers: [("Origin", site)])
        #expect(allowed.status == 200, "\(allowed.text)")
        #expect(allowed.header("access-control-allow-origin") == site)
        #expect(try setup.get("/api/config", headers: [("Origin", setup.server.origin(of: "support"))]).status == 200)
        let refused = try setup.get("/api/config", headers: [("Origin", evil)])
        #expect(refused.status == 403)
        #expect((refused.json["error"] as? String ?? "").contains("assistant.origins"), "\(refused.text)")
        let frame = try setup.get("/api/frame?parent=\(site)")
        #expect(frame.status == 200)
        #expect(frame.header("content-security-policy")?.contains("frame-ancestors 'self' \(site)") == true)
        #expect(frame.text.contains("id=\"fazt-input\""))
        #expect(try setup.get("/api/frame?parent=\(evil)").status == 403)
        #expect(try setup.post("/api/conversations", ["origin": evil]).status == 403)

        // A conversation: its channel token, the greeting, then an answer streamed and stored by onDone.
        let created = try setup.post("/api/conversations", ["origin": site])
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let conversation = (id: id, key: try #require(created.json["key"] as? String))
        #expect(created.json["channel"] as? String == "conv-\(id)")
        #expect((created.json["token"] as? String)?.hasPrefix("v1.") == true)
        #expect(try setup.get("/api/conversations/\(id)?key=wrong").status == 404)
        let asked = try setup.post(
            "/api/messages",
            ["conversation": id, "key": conversation.key, "text": "hello there"]
        )
        #expect(asked.status == 202, "\(asked.text)")
        let streamId = try #require(asked.json["streamId"] as? String, "\(asked.text)")
        let answer = try #require(try setup.stored(conversation, streamId: streamId), "the answer was never stored")
        #expect(answer["role"] as? String == "assistant")
        #expect((answer["text"] as? String ?? "").contains("hello there"), "\(answer)")
        let messages = try setup.transcript(conversation)["messages"] as? [[String: Any]] ?? []
        #expect(messages.compactMap { $0["role"] as? String } == ["assistant", "visitor", "assistant"])

        // Grounding: the chunk of private/knowledge/ that matches the question is in the system prompt.
        let hours = try setup.post(
            "/api/messages",
            ["conversation": id, "key": conversation.key, "text": "What are your opening hours?"]
        )
        #expect(hours.status == 202, "\(hours.text)")
        _ = try setup.stored(conversation, streamId: try #require(hours.json["streamId"] as? String))
        let prompt = try setup.mock.requests().last?["body"].map { "\($0)" } ?? ""
        #expect(prompt.contains("9:00 to 17:00"), "the system prompt lacks the knowledge chunk: \(prompt)")

        // Identity: a valid data-user-hash verifies the visitor; a wrong one does not.
        let signed = try setup.post(
            "/api/conversations",
            ["origin": site, "user": ["id": "42", "name": "Ada", "hash": Self.identityHash]]
        )
        #expect((signed.json["visitor"] as? [String: Any])?["verified"] as? Bool == true, "\(signed.text)")
        #expect((signed.json["visitor"] as? [String: Any])?["name"] as? String == "Ada")
        let forged = try setup.post(
            "/api/conversations",
            ["origin": site, "user": ["id": "43", "hash": Self.identityHash]]
        )
        #expect((forged.json["visitor"] as? [String: Any])?["verified"] as? Bool == false, "\(forged.text)")

        // Limits: 4,000 characters; 3 messages a minute in one conversation (one sent already).
        let long = try setup.post(
            "/api/messages",
            ["conversation": id, "key": conversation.key, "text": String(repeating: "a", count: 4001)]
        )
        #expect(long.status == 413)
        var limited: TestResponse?
        for _ in 0..<9 {
            let sent = try setup.post("/api/messages", ["conversation": id, "key": conversation.key, "text": "again"])
            if sent.status == 429 {
                limited = sent
                break
            }
            #expect(sent.status == 202, "\(sent.text)")
        }
        let tooMany = try #require(limited, "no 429 after 9 messages with a limit of 3 a minute")
        #expect(Int(tooMany.header("retry-after") ?? "").map { (1...60).contains($0) } == true)
        #expect((tooMany.json["error"] as? String ?? "").contains("too many messages"), "\(tooMany.text)")

        // Hand-off: a keyword → pending, a system message, the owner notified; no AI call after it.
        let other = try setup.conversation()
        let handoff = try setup.post(
            "/api/messages",
            ["conversation": other.id, "key": other.key, "text": "Can I talk to a HUMAN, please?"]
        )
        #expect(handoff.status == 202, "\(handoff.text)")
        #expect(handoff.json["status"] as? String == "pending")
        #expect(handoff.json["streamId"] == nil)
        let state = try setup.transcript(other)
        #expect(state["status"] as? String == "pending")
        #expect((state["messages"] as? [[String: Any]] ?? []).last?["role"] as? String == "system")
        let inbox = try setup.server.api("GET", "/notifications")
        #expect(inbox.text.contains("Assistant: a visitor asks for a person"), "\(inbox.text)")
        let followUp = try setup.post("/api/messages", ["conversation": other.id, "key": other.key, "text": "hello?"])
        #expect(followUp.status == 202)
        #expect(followUp.json["streamId"] == nil, "\(followUp.text)")

        // Embeddings: with assistant.embeddingModel the knowledge is embedded once for the new
        // version, then each question is embedded and the chunks ranked by cosine similarity.
        try setup.deploy(["embeddingModel": "chat"])
        let third = try setup.conversation()
        for question in ["When are you open?", "Where are conversations stored?"] {
            let sent = try setup.post("/api/messages", ["conversation": third.id, "key": third.key, "text": question])
            let streamId = try #require(sent.json["streamId"] as? String, "\(sent.text)")
            #expect(try setup.stored(third, streamId: streamId) != nil)
        }
        let requests = try setup.mock.requests()
        let embeddings = requests.filter { ($0["path"] as? String ?? "").hasSuffix("/embeddings") }
        #expect(embeddings.count == 3, "one for the knowledge, one per question: \(embeddings.count)")
        let lastPrompt = requests.last?["body"].map { "\($0)" } ?? ""
        #expect(lastPrompt.contains("Knowledge (answer from it"), "no knowledge in the prompt: \(lastPrompt)")
        let logs = try setup.cli(["logs", "support"])
        #expect(!logs.contains("embeddings failed"), "\(logs)")

        // requireIdentity: only verified visitors may start a conversation.
        try setup.deploy(["requireIdentity": true])
        let anonymous = try setup.post("/api/conversations", ["origin": site])
        #expect(anonymous.status == 403, "\(anonymous.text)")
        let verified = try setup.post(
            "/api/conversations",
            ["origin": site, "user": ["id": "42", "hash": Self.identityHash]]
        )
        #expect(verified.status == 201, "\(verified.text)")
    }

    /// The model hands over by calling the template's `handoff_to_human` tool (the mock's
    /// `first-tool` calls the first tool a request declares): `handlers/answered.js` sets the
    /// conversation `pending` and notifies the owner with the model's reason.
    @Test(.timeLimit(.minutes(2)))
    func theModelCanHandTheVisitorOver() throws {
        let setup = try Setup()
        try setup.cli(["ai", "model", "add", "decider", "--provider", "local", "--model", "first-tool"])
        try setup.deploy(["model": "decider"])
        let conversation = try setup.conversation()
        let asked = try setup.post(
            "/api/messages",
            ["conversation": conversation.id, "key": conversation.key, "text": "My order never arrived."]
        )
        #expect(asked.status == 202 && asked.json["streamId"] != nil, "\(asked.text)")
        var state: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(10)
        while state["status"] as? String != "pending", ContinuousClock.now < deadline {
            state = try setup.transcript(conversation)
            if state["status"] as? String != "pending" { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(state["status"] as? String == "pending", "\(state)")
        let request = try setup.mock.requests().last { $0["model"] as? String == "first-tool" }
        let tools = (request?["body"] as? [String: Any])?["tools"] as? [[String: Any]]
        #expect((tools?.first?["function"] as? [String: Any])?["name"] as? String == "handoff_to_human")
        let roles = (state["messages"] as? [[String: Any]] ?? []).compactMap { $0["role"] as? String }
        #expect(roles.suffix(2) == ["assistant", "system"], "the answer, then the hand-off notice: \(roles)")
        let inbox = try setup.server.api("GET", "/notifications")
        #expect(inbox.text.contains("Assistant: a visitor asks for a person"), "\(inbox.text)")
        #expect(inbox.text.contains("the visitor wants a person"), "the model's reason reaches the owner")
    }
}

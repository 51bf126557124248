import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// The owner's side of an assistant app: `/apps/{name}/assistant/conversations…`,
/// `fazt assistant conversations|show|reply`, the `"assistant"` manifest key, and `fazt create`.
@Suite struct AssistantControlTests {
    /// A stand-in for the template: the documents it writes and its `assistant.reply` handler.
    static let desk: [ArchiveFixtures.Entry] = [
        ArchiveFixtures.file(
            "fazt.json",
            #"{"assistant": {"origins": ["http://site.localhost"]}, "events": {"assistant.reply": "handlers/reply.js"}}"#
        ),
        ArchiveFixtures.file(
            "api/seed.js",
            """
            module.exports = () => {
              const now = Date.now();
              fazt.docs.insert("conversations", { id: "c1", status: "pending", origin: "http://site.localhost",
                visitor: { name: "Ada", verified: true }, ip: "127.0.0.1", key: "visitor-secret",
                messageCount: 1, lastMessage: "I want a human", updatedAt: now });
              fazt.docs.insert("conversations", { id: "c2", status: "open", origin: "http://site.localhost",
                visitor: { verified: false }, ip: "127.0.0.1", key: "other-secret", messageCount: 0,
                lastMessage: "", updatedAt: now - 1000 });
              fazt.docs.insert("messages", { conversation: "c1", role: "visitor", text: "I want a human", at: now });
              return { ok: true };
            };
            """
        ),
        ArchiveFixtures.file(
            "handlers/reply.js",
            """
            exports.event = (event) => {
              const { conversation, text, at } = event.data;
              fazt.docs.insert("messages", { conversation, role: "owner", text, at });
              fazt.docs.update("conversations", { id: conversation }, { status: "human", updatedAt: at });
            };
            """
        ),
    ]

    @Test func conversationsShowAndReplyGoThroughTheApp() throws {
        let server = try ServerProcess()
        let env = try CLITests.environment(server)
        #expect(try server.deploy("desk", try ArchiveFixtures.zip(Self.desk)).status == 201)
        #expect(try server.app("desk", "/api/seed").status == 200)

        let list = try server.api("GET", "/apps/desk/assistant/conversations")
        #expect(list.status == 200, "\(list.text)")
        let conversations = list.json["conversations"] as? [[String: Any]] ?? []
        #expect(conversations.map { $0["id"] as? String } == ["c1", "c2"], "most recently active first")
        #expect(!list.text.contains("secret") && conversations.allSatisfy { $0["key"] == nil }, "\(list.text)")
        let pending = try server.api("GET", "/apps/desk/assistant/conversations?status=pending")
        #expect((pending.json["conversations"] as? [[String: Any]])?.count == 1)
        #expect(try server.api("GET", "/apps/desk/assistant/conversations?status=closed").status == 400)

        let (status, out, error) = try ServerProcess.runCLI(["assistant", "conversations", "desk"], environment: env)
        #expect(status == 0 && out.contains("c1") && out.contains("pending") && out.contains("Ada ✓"), "\(out)\(error)")
        #expect(out.contains("I want a human"))

        let reply = try ServerProcess.runCLI(["assistant", "reply", "desk", "c1", "Hello, Ada here"], environment: env)
        #expect(reply.0 == 0 && reply.1.contains("replied in c1"), "\(reply.2)")
        let stored = SchedulerTests.waitFor(server, seconds: 15) { connection in
            try connection.queryOne(
                "SELECT count(*) FROM docs WHERE app = 'desk' AND collection = 'messages' AND json_extract(data, '$.role') = 'owner'"
            ) { $0.int64(0) } == 1
        }
        #expect(stored, "the app's assistant.reply handler stored the owner's message")
        let shown = try ServerProcess.runCLI(["assistant", "show", "desk", "c1"], environment: env)
        #expect(
            shown.0 == 0 && shown.1.contains("status human") && shown.1.contains("owner: Hello, Ada here"),
            "\(shown.1)"
        )
        let events = try server.api("GET", "/apps/desk/events?type=assistant.reply")
        #expect(events.text.contains(#""source":"owner""#) && events.text.contains("Hello, Ada here"), "\(events.text)")
    }

    @Test func mistakesAreNamed() throws {
        let server = try ServerProcess()
        let env = try CLITests.environment(server)
        #expect(try server.deploy("desk", try ArchiveFixtures.zip(Self.desk)).status == 201)
        #expect(try server.app("desk", "/api/seed").status == 200)
        #expect(
            try server.deploy("plain", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "hi")])).status
                == 201
        )

        let plain = try server.api("GET", "/apps/plain/assistant/conversations")
        #expect(plain.status == 404 && plain.text.contains("is not an assistant"), "\(plain.text)")
        let missing = try server.api(
            "POST",
            "/apps/desk/assistant/conversations/nope/reply",
            body: Array(#"{"text":"hi"}"#.utf8)
        )
        #expect(missing.status == 404 && missing.text.contains(#"no conversation \"nope\""#), "\(missing.text)")
        for body in [#"{"text":"  "}"#, #"{"txt":"hi"}"#, "not json"] {
            let bad = try server.api("POST", "/apps/desk/assistant/conversations/c1/reply", body: Array(body.utf8))
            #expect(bad.status == 400 && bad.text.contains(#"send {\"text\""#), "\(body): \(bad.text)")
        }
        let long = String(repeating: "x", count: 9000)
        let tooLong = try server.api(
            "POST",
            "/apps/desk/assistant/conversations/c1/reply",
            body: Array(#"{"text":"\#(long)"}"#.utf8)
        )
        #expect(tooLong.status == 400 && tooLong.text.contains("at most 8192 bytes"))
        #expect(try server.api("DELETE", "/apps/desk/assistant/conversations/c1").status == 405)
        let cli = try ServerProcess.runCLI(
            ["assistant", "conversations", "desk", "--status", "done"],
            environment: env
        )
        #expect(cli.0 != 0 && cli.2.contains("open, pending or human"))

        let badOrigin = try server.deploy(
            "desk",
            try ArchiveFixtures.zip([
                ArchiveFixtures.file("fazt.json", #"{"assistant": {"origins": ["https://Example.com"]}}"#)
            ])
        )
        #expect(
            badOrigin.status == 400
                && badOrigin.text.contains(#"written as browsers send it: \"https://example.com\""#),
            "\(badOrigin.text)"
        )
        let typo = try server.deploy(
            "desk",
            try ArchiveFixtures.zip([ArchiveFixtures.file("fazt.json", #"{"assistant": {"systemPromt": "x"}}"#)])
        )
        #expect(typo.status == 400 && typo.text.contains(#"did you mean \"assistant.systemPrompt\""#), "\(typo.text)")
    }

    @Test func everyTemplateDeploysAsCreated() throws {
        let server = try ServerProcess()
        let env = try CLITests.environment(server)
        let folder = FileManager.default.temporaryDirectory.appending(path: "fazt-create-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let help = try ServerProcess.runCLI(["create", "--help"])
        for template in ["static", "api", "automation", "assistant"] {
            #expect(help.1.contains(template), "create --help names \(template)")
            let name = "t-\(template)"
            let target = folder.appending(path: name).path
            let created = try ServerProcess.runCLI(["create", name, "--template", template, "--dir", target])
            #expect(created.0 == 0 && created.1.contains("from the \(template) template"), "\(created.2)")
            let manifest = try String(contentsOfFile: target + "/fazt.json", encoding: .utf8)
            #expect(manifest.contains(#""name": "\#(name)""#), "the name is filled in: \(manifest)")
            let deployed = try ServerProcess.runCLI(["deploy", target], environment: env)
            #expect(deployed.0 == 0, "\(template) deploys as created: \(deployed.2)")
        }
        let again = try ServerProcess.runCLI(["create", "t-static", "--dir", folder.appending(path: "t-static").path])
        #expect(again.0 != 0 && again.2.contains("already exists and is not empty"))
        let unknown = try ServerProcess.runCLI(["create", "x", "--template", "blog"])
        #expect(unknown.0 != 0 && unknown.2.contains(#"unknown template "blog""#))
    }
}

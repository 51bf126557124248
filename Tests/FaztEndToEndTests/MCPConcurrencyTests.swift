import FaztTestSupport
import Foundation
import Synchronization
import Testing

/// Requests share nothing: 200 concurrent calls from two tokens, all with JSON-RPC id 1 and some
/// slow, each get their own answer; a client that goes away cancels its call.
@Suite struct MCPConcurrencyTests {
    static func site(_ name: String) -> [ArchiveFixtures.Entry] {
        [
            ArchiveFixtures.file("index.html", "<h1>\(name)</h1>"),
            ArchiveFixtures.file(
                "api/slow.js",
                """
                module.exports = async (req) => {
                  await new Promise((resolve) => setTimeout(resolve, Number(req.query.ms || 200)));
                  return { app: "\(name)" };
                };
                """
            ),
        ]
    }

    @Test(.timeLimit(.minutes(2))) func sameIDsNeverCrossAndNeverHang() throws {
        let server = try ServerProcess(arguments: ["--max-connections-per-ip", "500"])
        // The worker threads may outlive the test's references: stop the daemon explicitly.
        defer { server.kill9() }
        #expect(try server.deploy("alpha", try ArchiveFixtures.zip(Self.site("alpha"))).status == 201)
        #expect(try server.deploy("beta", try ArchiveFixtures.zip(Self.site("beta"))).status == 201)
        let tokens = [
            ("alpha", try server.scopedToken(["--name", "a", "--app", "alpha", "--preset", "build"])),
            ("beta", try server.scopedToken(["--name", "b", "--app", "beta", "--preset", "build"])),
        ]
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        for index in 0..<200 {
            let (app, token) = tokens[index % 2]
            let slow = index % 10 < 2
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let client = MCPClient(server: server, token: token)
                let body =
                    slow
                    ? MCPClient.message(
                        "tools/call",
                        ["name": "preview_request", "arguments": ["app": app, "version": 1, "path": "/api/slow"]]
                    )
                    : MCPClient.message("tools/call", ["name": "apps_list", "arguments": [String: Any]()])
                do {
                    let response = try client.post(body)
                    let result = response.json["result"] as? [String: Any]
                    let structured = result?["structuredContent"] as? [String: Any] ?? [:]
                    let mine: Bool
                    if slow {
                        mine =
                            structured["status"] as? Int == 200
                            && (structured["body"] as? String)?.contains(app) == true
                    } else {
                        mine = (structured["apps"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [app]
                    }
                    if response.json["id"] as? Int != 1 || !mine {
                        failures.withLock {
                            $0.append("#\(index) \(app): \(response.status) \(response.text.prefix(300))")
                        }
                    }
                } catch {
                    failures.withLock { $0.append("#\(index) \(app): \(error)") }
                }
            }
            thread.start()
        }
        #expect(group.wait(timeout: .now() + 90) == .success, "some calls hung")
        let failed = failures.withLock { $0 }
        #expect(failed.isEmpty, "\(failed.count) crossed or failed:\n\(failed.prefix(10).joined(separator: "\n"))")
    }

    @Test func progressStreamsAsSSEOnlyWhenAsked() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("alpha", try ArchiveFixtures.zip(Self.site("alpha"))).status == 201)
        let client = MCPClient(server: server, token: try server.token())
        let arguments: [String: Any] = ["app": "alpha", "version": 1, "path": "/api/slow?ms=1"]
        let streamed = try client.post(
            MCPClient.message(
                "tools/call",
                ["name": "preview_request", "arguments": arguments, "_meta": ["progressToken": "t1"]],
                id: 4
            )
        )
        #expect(streamed.header("content-type") == "text/event-stream", "\(streamed.text)")
        let events = streamed.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("event: message") }
        #expect(events.count == 3, "\(streamed.text)")
        #expect(events.first?.contains(#""method":"notifications/progress""#) == true)
        #expect(events.first?.contains(#""progressToken":"t1""#) == true)
        #expect(events.last?.contains(#""id":4,"result""#) == true)
        // Without a token, or for a tool that reports no progress: plain JSON.
        let plain = try client.post(
            MCPClient.message("tools/call", ["name": "preview_request", "arguments": arguments])
        )
        #expect(plain.header("content-type") == "application/json")
        let other = try client.post(
            MCPClient.message(
                "tools/call",
                ["name": "apps_list", "arguments": [String: Any](), "_meta": ["progressToken": "t2"]]
            )
        )
        #expect(other.header("content-type") == "application/json")
    }

    @Test(.timeLimit(.minutes(1))) func disconnectCancelsTheCall() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("alpha", try ArchiveFixtures.zip(Self.site("alpha"))).status == 201)
        let token = try server.token()
        let body = MCPClient.message(
            "tools/call",
            ["name": "preview_request", "arguments": ["app": "alpha", "version": 1, "path": "/api/slow?ms=1500"]]
        )
        do {
            let connection = try TestConnection(port: server.port)
            try connection.sendRequest(
                "POST",
                "/_fazt/mcp",
                host: "localhost",
                headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                body: Array(body.utf8)
            )
            // Dropped here: the connection closes with the call still running.
        }
        var outcome: String?
        let deadline = Date().addingTimeInterval(20)
        while outcome == nil, Date() < deadline {
            let rows = try server.api("GET", "/audit").json["entries"] as? [[String: Any]] ?? []
            outcome = rows.first { $0["action"] as? String == "mcp:preview_request" }?["outcome"] as? String
            if outcome == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(outcome == "cancelled", "\(outcome ?? "no audit row")")
    }
}

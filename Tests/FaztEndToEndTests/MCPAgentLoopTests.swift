import FaztTestSupport
import Foundation
import Testing

/// The agent loop, scripted through MCP with a `ship` token: create → write three files → commit →
/// preview 200 → deploy → logs show the request → commit a bug → preview 500 with its stack in
/// runs_list while live still answers 200 → deploy it → rollback → live serves the previous version;
/// data_restore waits for the owner; the audit trail has every call.
@Suite struct MCPAgentLoopTests {
    static let good = """
        module.exports = async (req) => {
          console.log("served " + req.path + " by v" + fazt.app.version);
          return { ok: true, version: fazt.app.version };
        };
        """
    static let bug = """
        module.exports = async (req) => {
          const user = undefined;
          return { name: user.name };
        };
        """

    @Test(.timeLimit(.minutes(2))) func draftCommitPreviewDeployObserveRollback() throws {
        let server = try ServerProcess()
        let token = try server.scopedToken(["--name", "claude", "--app", "todo", "--preset", "ship"])
        let agent = MCPClient(server: server, token: token)

        func ok(_ tool: String, _ arguments: [String: Any]) throws -> [String: Any] {
            let result = try agent.call(tool, arguments)
            #expect(!result.isError, "\(tool): \(result.text)")
            return result.structured
        }

        #expect(try ok("app_create", ["name": "todo"])["created"] as? Bool == true)
        _ = try ok("files_write", ["app": "todo", "path": "index.html", "content": "<h1>todo v1</h1>"])
        _ = try ok("files_write", ["app": "todo", "path": "api/items.js", "content": Self.good])
        _ = try ok("files_write", ["app": "todo", "path": "fazt.json", "content": #"{"name": "todo"}"#])
        let v1 = try ok("commit", ["app": "todo", "message": "first"])
        #expect(v1["version"] as? Int == 1 && (v1["previewUrl"] as? String)?.contains("todo--v1.") == true)
        let preview = try ok("preview_request", ["app": "todo", "version": 1, "path": "/api/items"])
        #expect(preview["status"] as? Int == 200, "\(preview)")
        let deployed = try ok("deploy", ["app": "todo", "version": 1, "idempotencyKey": "ship-1"])
        #expect(deployed["live"] as? Int == 1)
        // A retried deploy with the same key answers the same, without moving anything.
        #expect(try ok("deploy", ["app": "todo", "version": 1, "idempotencyKey": "ship-1"])["live"] as? Int == 1)
        #expect(try server.app("todo", "/").text == "<h1>todo v1</h1>")
        #expect(try server.app("todo", "/api/items").status == 200)
        let logs = try ok("logs_read", ["app": "todo"])["logs"] as? [[String: Any]] ?? []
        #expect(logs.contains { ($0["message"] as? String)?.contains("served /api/items by v1") == true }, "\(logs)")

        // A bug in version 2: its preview fails with a stack in runs_list; live is untouched.
        _ = try ok("files_write", ["app": "todo", "path": "api/items.js", "content": Self.bug])
        _ = try ok("files_write", ["app": "todo", "path": "index.html", "content": "<h1>todo v2</h1>"])
        let v2 = try ok("commit", ["app": "todo", "message": "bug", "expectedParent": 1])
        #expect(v2["version"] as? Int == 2)
        let broken = try ok("preview_request", ["app": "todo", "version": 2, "path": "/api/items"])
        #expect(broken["status"] as? Int == 500, "\(broken)")
        let runs = try ok("runs_list", ["app": "todo", "version": 2])["runs"] as? [[String: Any]] ?? []
        let failure = runs.first { $0["outcome"] as? String == "failed" }
        #expect((failure?["error"] as? String)?.contains("api/items.js") == true, "\(runs)")
        #expect(try server.app("todo", "/api/items").status == 200, "live still answers 200")

        // Deployed anyway, then rolled back: live serves version 1 again.
        let stale = try agent.call("deploy", ["app": "todo", "version": 2, "expectedLive": 7])
        #expect(stale.isError && stale.text.contains("live is version 1"), "\(stale.text)")
        _ = try ok("deploy", ["app": "todo", "version": 2, "expectedLive": 1])
        #expect(try server.app("todo", "/api/items").status == 500)
        let back = try ok("rollback", ["app": "todo"])
        #expect(back["live"] as? Int == 1 && back["previous"] as? Int == 2, "\(back)")
        #expect(try server.app("todo", "/").text == "<h1>todo v1</h1>")
        #expect(try server.app("todo", "/api/items").status == 200)

        // data_restore without storage:admin: pending until the owner approves.
        let pending = try ok("data_restore", ["app": "todo", "version": 1])
        #expect(pending["status"] as? String == "pending_approval", "\(pending)")
        let id = pending["approval"] as? String ?? ""
        #expect((pending["approveUrl"] as? String)?.hasSuffix("/_fazt/approve/\(id)") == true)
        func approvalStatus() throws -> String? {
            let status = try ok("app_status", ["app": "todo"])
            return (status["approvals"] as? [[String: Any]])?.first { $0["id"] as? String == id }?["status"] as? String
        }
        #expect(try approvalStatus() == "pending")
        let page = try TestHTTP.request(port: server.port, "GET", "/_fazt/approve/\(id)")
        #expect(page.status == 200 && page.text.contains("fazt approve \(id)"))
        // The agent's own token cannot approve.
        let refused = try TestHTTP.request(
            port: server.port,
            "POST",
            "/_fazt/approve/\(id)",
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("token=\(token)".utf8)
        )
        #expect(refused.status == 403)
        let (status, out, err) = try ServerProcess.runCLI(
            ["approve", id, "--server", "http://127.0.0.1:\(server.port)", "--token", try server.token()]
        )
        #expect(status == 0, "\(err)")
        #expect(out.contains(id))
        #expect(try approvalStatus() == "approved")

        // The audit trail: one row per call, by token name.
        let (auditStatus, audit, auditErr) = try ServerProcess.runCLI(
            [
                "audit", "--token", "claude", "--server", "http://127.0.0.1:\(server.port)", "--owner-token",
                try server.token(),
            ]
        )
        #expect(auditStatus == 0, "\(auditErr)")
        for action in [
            "mcp:app_create", "mcp:files_write", "mcp:commit", "mcp:preview_request", "mcp:deploy", "mcp:rollback",
            "mcp:data_restore",
        ] {
            #expect(audit.contains(action), "\(action) in\n\(audit)")
        }
        #expect(audit.contains("pending_approval"))
        let rows = try server.api("GET", "/audit?token=claude&limit=1000").json["entries"] as? [[String: Any]] ?? []
        #expect(rows.count >= 20 && rows.allSatisfy { ($0["argsHash"] as? String)?.count == 64 }, "\(rows.count)")
        #expect(
            rows.contains {
                $0["outcome"] as? String
                    == "error: live is version 1, not 7: someone deployed meanwhile; check app_status and decide again"
            }
        )
    }

    @Test func scopedControlWritesAreAudited() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(PreviewTests.site("v1"))).status == 201)
        let token = try server.scopedToken(["--name", "ci", "--app", "blog", "--preset", "build"])
        let put = try server.api(
            "PUT",
            "/apps/blog/drafts/main/files/index.html",
            token: token,
            headers: [("Content-Type", "text/plain")],
            body: Array("<h1>x</h1>".utf8)
        )
        #expect(put.status == 200 || put.status == 201, "\(put.text)")
        let denied = try server.api("POST", "/apps/blog/rollback", token: token, body: Array(#"{"version":1}"#.utf8))
        #expect(denied.status == 403)
        // Reads are not audited, and neither are the owner's own writes.
        _ = try server.api("GET", "/apps/blog/versions", token: token)
        let rows = try server.api("GET", "/audit").json["entries"] as? [[String: Any]] ?? []
        let actions = rows.compactMap { $0["action"] as? String }
        #expect(actions == ["POST /apps/blog/rollback", "PUT /apps/blog/drafts/main/files/index.html"], "\(actions)")
        #expect(rows.first?["outcome"] as? String == "error: HTTP 403" && rows.last?["outcome"] as? String == "ok")
        #expect(rows.allSatisfy { $0["token"] as? String == "ci" && $0["app"] as? String == "blog" })
    }
}

import FaztStore
import FaztTestSupport
import Testing

@testable import FaztKernel

@Suite struct AuditLogTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
    }

    @Test func rowsKeepAHashNotTheArguments() async throws {
        let audit = AuditLog(store: store)
        let arguments = Array(#"{"app":"blog","secret":"hunter2"}"#.utf8)
        try await audit.record(
            token: "claude",
            action: "mcp:files_write",
            app: "blog",
            argsHash: AuditLog.hash(arguments),
            outcome: "ok",
            durationMs: 3
        )
        try await audit.record(
            token: "ci",
            action: "PUT /x",
            app: nil,
            argsHash: AuditLog.hash([]),
            outcome: "ok",
            durationMs: 1
        )
        let all = try audit.list(token: nil, limit: 10)
        #expect(all.map(\.token) == ["ci", "claude"], "newest first")
        let mine = try audit.list(token: "claude", limit: 10)
        #expect(mine.count == 1 && mine[0].action == "mcp:files_write" && mine[0].app == "blog")
        #expect(mine[0].argsHash.count == 64 && mine[0].argsHash == AuditLog.hash(arguments))
        let text = try store.read { try $0.query("SELECT * FROM audit", []) { "\($0.string(5))\($0.string(6))" } }
        #expect(!text.joined().contains("hunter2"))
    }

    @Test func approvalsAreDecidedOnce() async throws {
        let approvals = Approvals(store: store)
        let request = try await approvals.request(token: "claude", app: "blog", action: "data_restore", arguments: "{}")
        #expect(request.id.hasPrefix("apr_") && request.status == "pending")
        #expect(try approvals.list(app: "blog").map(\.id) == [request.id])
        #expect(try approvals.list(app: "shop").isEmpty)
        #expect(try await approvals.claim(request.id))
        #expect(try await !approvals.claim(request.id), "a second decision is refused")
        try await approvals.finish(request.id, status: "approved", result: #"{"ok":true}"#)
        let decided = try approvals.get(request.id)
        #expect(decided?.status == "approved" && decided?.decidedAt != nil && decided?.result == #"{"ok":true}"#)
        #expect(try approvals.get("apr_nope") == nil)
    }
}

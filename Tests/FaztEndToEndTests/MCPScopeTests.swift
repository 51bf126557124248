import FaztTestSupport
import Foundation
import Testing

/// Every preset × every kernel tool: listed and callable, or hidden and refused naming the scope;
/// and a token for one app never reaches another through any tool.
@Suite struct MCPScopeTests {
    static let readTools = [
        "fazt_docs", "apps_list", "app_status", "files_list", "files_read", "versions_list", "diff", "logs_read",
        "runs_list", "storage_query",
    ]
    static let buildTools = readTools + ["files_write", "files_delete", "commit", "preview_request"]
    static let allTools = [
        "fazt_docs", "apps_list", "app_status", "files_list", "files_read", "versions_list", "diff", "logs_read",
        "runs_list", "storage_query", "app_create", "files_write", "files_delete", "commit", "preview_request",
        "deploy", "rollback", "data_snapshot", "data_restore",
    ]
    /// The scope each tool needs (what a refusal names).
    static let scopes: [String: String] = [
        "apps_list": "apps:read", "app_status": "apps:read", "files_list": "apps:read", "files_read": "apps:read",
        "versions_list": "apps:read", "diff": "apps:read", "logs_read": "logs:read", "runs_list": "logs:read",
        "storage_query": "storage:read", "app_create": "apps:create", "files_write": "apps:write",
        "files_delete": "apps:write", "commit": "apps:write", "preview_request": "apps:write",
        "deploy": "apps:deploy", "rollback": "apps:deploy", "data_snapshot": "apps:deploy",
        "data_restore": "apps:deploy",
    ]

    static func arguments(_ tool: String, app: String) -> [String: Any] {
        switch tool {
        case "fazt_docs", "apps_list": [:]
        case "app_create": ["name": app]
        default: ["app": app]
        }
    }

    @Test func presetTimesToolMatrix() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(PreviewTests.site("b"))).status == 201)
        #expect(try server.deploy("shop", try ArchiveFixtures.zip(PreviewTests.site("s"))).status == 201)
        let expected: [(String, [String])] = [
            ("read", Self.readTools), ("build", Self.buildTools), ("ship", Self.allTools),
        ]
        for (preset, visible) in expected {
            let token = try server.scopedToken(["--name", "agent-\(preset)", "--app", "blog", "--preset", preset])
            let client = MCPClient(server: server, token: token)
            #expect(try client.toolNames() == Self.allTools.filter { visible.contains($0) }, "\(preset)")
            for tool in Self.allTools {
                let result = try client.call(tool, Self.arguments(tool, app: "blog"))
                if visible.contains(tool) {
                    #expect(!result.text.contains("needs the scope"), "\(preset) × \(tool): \(result.text)")
                } else {
                    let scope = Self.scopes[tool] ?? "?"
                    #expect(
                        result.isError && result.text.contains("needs the scope \(scope)"),
                        "\(preset) × \(tool): \(result.text)"
                    )
                }
                // Another app: refused by every tool that names one, whatever the preset.
                guard visible.contains(tool), tool != "fazt_docs", tool != "apps_list" else { continue }
                let other = try client.call(tool, Self.arguments(tool, app: "shop"))
                #expect(
                    other.isError && other.text.contains("does not reach app 'shop'"),
                    "\(preset) × \(tool) on shop: \(other.text)"
                )
            }
            let apps = try client.call("apps_list")
            #expect((apps.structured["apps"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["blog"])
        }
        // The owner sees everything.
        #expect(try MCPClient(server: server, token: try server.token()).toolNames() == Self.allTools)
        // A revoked token is refused on the next request.
        let token = try server.scopedToken(["--name", "gone", "--app", "blog", "--preset", "read"])
        let list = try server.api("GET", "/tokens")
        let id =
            (list.json["tokens"] as? [[String: Any]])?.first { $0["name"] as? String == "gone" }?["id"] as? String ?? ""
        #expect(try server.api("DELETE", "/tokens/\(id)").status == 200)
        #expect(try MCPClient(server: server, token: token).post(MCPClient.message("tools/list")).status == 401)
    }
}

import FaztTestSupport
import Foundation
import Testing

/// Every preset × the control routes a scoped token may or may not call, and every route on an app
/// outside the token's list: the exact status, and the scope named on a refusal.
extension ScopedTokenTests {
    /// (method, path, JSON body, the scope it needs); nil scope: owner only.
    static let routes: [(String, String, String?, String?)] = [
        ("GET", "/apps", nil, "apps:read"),
        ("GET", "/apps/blog", nil, "apps:read"),
        ("GET", "/apps/blog/versions", nil, "apps:read"),
        ("GET", "/apps/blog/versions/1...live/diff", nil, "apps:read"),
        ("GET", "/apps/blog/versions/1/preview", nil, "apps:read"),
        ("GET", "/apps/blog/tags", nil, "apps:read"),
        ("GET", "/apps/blog/logs", nil, "logs:read"),
        ("GET", "/apps/blog/runs", nil, "logs:read"),
        ("GET", "/apps/blog/kv", nil, "storage:read"),
        ("POST", "/apps/blog/sql", #"{"sql":"SELECT 1"}"#, "storage:read"),
        ("PUT", "/apps/blog/tags/keep", #"{"version":1}"#, "apps:write"),
        ("POST", "/apps/blog/drafts/edit/commit", #"{"deploy":false}"#, "apps:write"),
        ("POST", "/apps/blog/rollback", #"{"version":1}"#, "apps:deploy"),
        ("POST", "/apps/blog/restore", #"{"version":1,"code":true,"data":false}"#, "apps:deploy"),
        ("POST", "/apps/blog/restore", #"{"version":1,"data":true,"code":false}"#, "storage:admin"),
        ("GET", "/apps/blog/snapshots", nil, "storage:admin"),
        ("GET", "/tokens", nil, nil),
        ("GET", "/apps/blog/secrets", nil, nil),
        ("PUT", "/apps/blog/env/MODE", #"{"value":"x"}"#, nil),
        ("DELETE", "/apps/blog/jobs/1", nil, nil),
        ("PUT", "/apps/blog/quota", #"{"bytes":1000000}"#, nil),
        ("GET", "/audit", nil, nil),
        ("GET", "/ai/models", nil, nil),
        ("DELETE", "/apps/blog", nil, nil),
    ]

    static let presets: [String: Set<String>] = [
        "read": ["apps:read", "logs:read", "storage:read"],
        "build": ["apps:read", "apps:write", "logs:read", "storage:read", "app-tools:call"],
        "ship": [
            "apps:read", "apps:write", "apps:deploy", "apps:create", "logs:read", "storage:read", "storage:write",
        ],
    ]

    @Test func everyPresetOnEveryRoute() throws {
        let server = try ServerProcess()
        let site = try ArchiveFixtures.zip(PreviewTests.site("v1"))
        #expect(try server.deploy("blog", site).status == 201)
        #expect(try server.deploy("shop", site).status == 201)
        for (preset, granted) in Self.presets {
            let (token, _) = try Self.create(server, ["--name", preset, "--app", "blog", "--preset", preset])
            // A draft with one change, so a commit has something to commit.
            _ = try server.api(
                "PUT",
                "/apps/blog/drafts/edit/files/note.txt",
                headers: [("Content-Type", "text/plain")],
                body: Array("note".utf8)
            )
            for (method, path, body, scope) in Self.routes {
                let response = try server.api(
                    method,
                    path,
                    token: token,
                    headers: [("Content-Type", "application/json")],
                    body: body.map { Array($0.utf8) }
                )
                let label = "\(preset): \(method) \(path) \(body ?? "")"
                if let scope, granted.contains(scope) {
                    #expect((200..<300).contains(response.status), "\(label) → \(response.status) \(response.text)")
                } else {
                    #expect(response.status == 403, "\(label) → \(response.status) \(response.text)")
                    #expect(Self.error(response) == "insufficient_scope", "\(label): \(response.text)")
                    let named = #"scope="\#(scope ?? "owner")""#
                    #expect(response.header("www-authenticate")?.contains(named) == true, "\(label)")
                }
                // The same route on an app outside the token's list is refused whatever the preset.
                guard path.hasPrefix("/apps/blog") else { continue }
                let elsewhere = try server.api(
                    method,
                    path.replacingOccurrences(of: "/apps/blog", with: "/apps/shop"),
                    token: token,
                    headers: [("Content-Type", "application/json")],
                    body: body.map { Array($0.utf8) }
                )
                #expect(elsewhere.status == 403, "\(label) on shop → \(elsewhere.status)")
            }
            // The live app is still served, and the other app's preview host does not open.
            #expect(try server.app("blog", "/").status == 200)
            let preview = try server.app("shop--v1", "/", headers: [("Authorization", "Bearer \(token)")])
            #expect(preview.status != 200, "\(preview.status)")
        }
        // No token at all: 401 with a Bearer challenge on every route.
        for (method, path, body, _) in Self.routes {
            let response = try TestHTTP.request(
                port: server.port,
                method,
                "/_fazt/api/v1" + path,
                headers: [("Content-Type", "application/json")],
                body: body.map { Array($0.utf8) }
            )
            #expect(response.status == 401 && response.header("www-authenticate") == "Bearer", "\(method) \(path)")
        }
    }
}

import FaztTestSupport
import Foundation
import Testing

/// `"access": "owner"` in `fazt.json`: every path but `/_hooks/*` needs the owner's token or session.
@Suite struct OwnerAccessTests {
    static let files: [ArchiveFixtures.Entry] = [
        ArchiveFixtures.file("fazt.json", #"{"access": "owner", "webhooks": {"open": {"signature": "none"}}}"#),
        ArchiveFixtures.file("index.html", "<h1>private home</h1>"),
        ArchiveFixtures.file("style.css", "body { color: red }"),
        js(
            "api/x.js",
            "module.exports = (req) => ({ auth: req.headers.authorization || null, cookies: req.cookies });"
        ),
    ]

    static func deploy(_ server: ServerProcess) throws {
        #expect(try server.deploy("vault", try ArchiveFixtures.zip(Self.files)).status == 201)
    }

    func get(
        _ server: ServerProcess,
        _ path: String,
        method: String = "GET",
        headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) throws -> TestResponse {
        try TestHTTP.request(
            port: server.port,
            method,
            path,
            host: "vault.localhost:\(server.port)",
            headers: headers,
            body: body
        )
    }

    @Test func refusesAnonymousRequestsOnEveryPath() throws {
        let server = try ServerProcess()
        try Self.deploy(server)
        for path in ["/", "/style.css", "/api/x", "/missing"] {
            let refused = try get(server, path)
            #expect(refused.status == 401, "\(path)")
            #expect(
                refused.json["error"] as? String
                    == "this app is private: send the owner's token (Authorization: Bearer …)"
            )
        }
        let wrong = try get(server, "/api/x", headers: [("Authorization", "Bearer fzt_0000")])
        #expect(wrong.status == 401)
        #expect(try get(server, "/", headers: [("Authorization", "Bearer nonsense")]).status == 401)
        #expect(try get(server, "/", headers: [("Cookie", "fazt_session=fzs_forged")]).status == 401)
        let preflight = try get(
            server,
            "/api/x",
            method: "OPTIONS",
            headers: [("Origin", "https://elsewhere.example"), ("Access-Control-Request-Method", "POST")]
        )
        #expect(preflight.status == 401 && preflight.header("access-control-allow-origin") == nil)
        let browser = try get(server, "/style.css?v=1", headers: [("Accept", "text/html,*/*")])
        #expect(browser.status == 401 && browser.header("content-type") == "text/html; charset=utf-8")
        #expect(browser.text.contains(#"<form method="post" action="/_fazt/session">"#))
        #expect(browser.text.contains(#"name="next" value="/style.css?v=1""#))
    }

    @Test func servesTheOwnerWithAToken() throws {
        let server = try ServerProcess()
        try Self.deploy(server)
        let bearer = [("Authorization", "Bearer \(try server.token())")]
        let home = try get(server, "/", headers: bearer)
        #expect(home.status == 200 && home.text == "<h1>private home</h1>")
        #expect(try get(server, "/style.css", headers: bearer).status == 200)
        let api = try get(server, "/api/x", headers: bearer + [("Origin", "https://elsewhere.example")])
        #expect(api.status == 200 && api.header("access-control-allow-origin") == nil)
        // The handler never sees the owner's token.
        #expect(api.json["auth"] is NSNull)
    }

    @Test func signsTheOwnerInWithASessionCookie() throws {
        let server = try ServerProcess()
        try Self.deploy(server)
        let form = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "text/html")]
        let wrong = try get(server, "/_fazt/session", method: "POST", headers: form, body: Array("token=fzt_bad".utf8))
        #expect(wrong.status == 401 && wrong.header("set-cookie") == nil && wrong.text.contains("not valid"))
        let token = try server.token()
        let body = "token=\(token)&next=%2Fapi%2Fx%3Fa%3D1"
        let signIn = try get(server, "/_fazt/session", method: "POST", headers: form, body: Array(body.utf8))
        #expect(signIn.status == 303 && signIn.header("location") == "/api/x?a=1")
        let cookie = try #require(signIn.header("set-cookie"))
        #expect(cookie.hasPrefix("fazt_session=fzs_") && cookie.contains("; HttpOnly; SameSite=Lax; Path=/"))
        let session = String(cookie.prefix { $0 != ";" })
        #expect(!cookie.contains(token))
        let headers = [("Cookie", "theme=dark; \(session)")]
        #expect(try get(server, "/", headers: headers).status == 200)
        let api = try get(server, "/api/x", headers: headers)
        #expect(api.status == 200 && api.json["cookies"] as? [String: String] == ["theme": "dark"])
        // Redirects stay on the app's host.
        let away = "token=\(token)&next=%2F%2Fevil.example%2F"
        #expect(
            try get(server, "/_fazt/session", method: "POST", headers: form, body: Array(away.utf8)).header("location")
                == "/"
        )
    }

    @Test func leavesWebhooksAndPublicAppsOpen() throws {
        let server = try ServerProcess()
        try Self.deploy(server)
        let hook = try get(server, "/_hooks/open", method: "POST", body: Array("ping".utf8))
        #expect(hook.status == 202)
        let undeclared = try get(server, "/_hooks/other", method: "POST", body: Array("ping".utf8))
        #expect(undeclared.status == 404)
        let public_ = [ArchiveFixtures.file("index.html", "open"), js("api/x.js", "module.exports = () => 'open';")]
        #expect(try server.deploy("open", try ArchiveFixtures.zip(public_)).status == 201)
        #expect(try server.app("open", "/").text == "open")
        #expect(try server.app("open", "/api/x").text == "open")
        #expect(try server.app("open", "/_fazt/session", method: "POST").status == 404)
    }
}

import FaztTestSupport
import Foundation
import Testing

/// Version previews through the real binary: `http://<app>--v<N>.localhost/` serves version N,
/// live or not, to the owner or a signed link's bearer, with handlers on their own empty storage.
@Suite struct PreviewTests {
    static func site(_ title: String) -> [ArchiveFixtures.Entry] {
        [
            ArchiveFixtures.file("index.html", "<h1>\(title)</h1>"),
            ArchiveFixtures.file("style.css", "h1 { color: red }"),
            ArchiveFixtures.file("404.html", "<p>lost in \(title)</p>"),
            js(
                "api/kv.js",
                """
                module.exports = (req) => {
                  if (req.method === "POST") fazt.kv.set("k", req.query.v);
                  const value = fazt.kv.get("k");
                  return { value: value === undefined ? null : value };
                };
                """
            ),
            js(
                "api/kernel.js",
                """
                module.exports = () => {
                  const codes = {};
                  const attempt = (name, fn) => {
                    try { fn(); codes[name] = "none"; } catch (e) { codes[name] = e.code + ": " + e.message; }
                  };
                  attempt("schedule", () => fazt.schedule("1h", { n: 1 }));
                  attempt("emit", () => fazt.events.emit("order.created", { n: 1 }));
                  attempt("notify", () => fazt.notify({ title: "from a preview" }));
                  return codes;
                };
                """
            ),
        ]
    }

    static func preview(
        _ server: ServerProcess,
        _ label: String,
        _ path: String,
        method: String = "GET",
        headers: [(String, String)] = []
    ) throws -> TestResponse {
        try TestHTTP.request(
            port: server.port,
            method,
            path,
            host: "\(label).localhost:\(server.port)",
            headers: headers
        )
    }

    static func owner(_ server: ServerProcess) throws -> [(String, String)] {
        [("Authorization", "Bearer \(try server.token())")]
    }

    /// v1 and v2 deployed, v3 a draft committed without going live.
    static func deployThreeVersions(_ server: ServerProcess) throws {
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(site("v1"))).status == 201)
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(site("v2"))).status == 201)
        let put = try server.api(
            "PUT",
            "/apps/blog/drafts/next/files/index.html",
            headers: [("Content-Type", "text/plain")],
            body: Array("<h1>draft</h1>".utf8)
        )
        #expect(put.status == 200, "replaces the base's index.html: \(put.text)")
        let committed = try server.api(
            "POST",
            "/apps/blog/drafts/next/commit",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"deploy": false}"#.utf8)
        )
        #expect(committed.status == 201 && committed.json["version"] as? Int == 3, "\(committed.text)")
    }

    @Test func servesAnyVersionToTheOwnerOnly() throws {
        let server = try ServerProcess()
        try Self.deployThreeVersions(server)
        let owner = try Self.owner(server)
        #expect(try server.app("blog", "/").text == "<h1>v2</h1>", "the draft is not live")

        let old = try Self.preview(server, "blog--v1", "/", headers: owner)
        #expect(old.status == 200 && old.text == "<h1>v1</h1>", "\(old.text)")
        let draft = try Self.preview(server, "blog--v3", "/", headers: owner)
        #expect(draft.status == 200 && draft.text == "<h1>draft</h1>", "\(draft.text)")
        #expect(try Self.preview(server, "blog--v2", "/", headers: owner).text == "<h1>v2</h1>")
        // Static rules as on the live host: 404.html, ETags, hidden api/ sources.
        let missing = try Self.preview(server, "blog--v1", "/nope", headers: owner)
        #expect(missing.status == 404 && missing.text == "<p>lost in v1</p>")
        let css = try Self.preview(server, "blog--v1", "/style.css", headers: owner)
        let etag = try #require(css.header("etag"))
        let again = try Self.preview(server, "blog--v1", "/style.css", headers: owner + [("If-None-Match", etag)])
        #expect(again.status == 304)
        #expect(try Self.preview(server, "blog--v1", "/api/kv.js", headers: owner).status == 404)

        // Like an owner-only app without credentials.
        let anonymous = try Self.preview(server, "blog--v1", "/")
        #expect(anonymous.status == 401 && anonymous.text.contains("this app is private"), "\(anonymous.text)")
        let browser = try Self.preview(server, "blog--v1", "/", headers: [("Accept", "text/html")])
        #expect(browser.status == 401 && browser.text.contains("/_fazt/session"))
        #expect(try Self.preview(server, "blog--v1", "/", headers: [("Authorization", "Bearer fzt_0")]).status == 401)
        #expect(try Self.preview(server, "blog--v1", "/api/kv").status == 401)

        let unknown = try Self.preview(server, "blog--v9", "/", headers: owner)
        #expect(unknown.status == 404 && unknown.text.contains("fazt versions blog"), "\(unknown.text)")
        #expect(try Self.preview(server, "nosuch--v1", "/", headers: owner).status == 404)
        #expect(try Self.preview(server, "blog--v01", "/", headers: owner).status == 404, "not a canonical label")
    }

    @Test func signedLinksOpenOneVersionUntilTheyExpire() throws {
        let server = try ServerProcess()
        try Self.deployThreeVersions(server)
        let created = try server.api("GET", "/apps/blog/versions/3/preview?ttl=600")
        #expect(created.status == 200, "\(created.text)")
        #expect(created.json["app"] as? String == "blog" && created.json["version"] as? Int == 3)
        let url = try #require(created.json["url"] as? String)
        let prefix = "http://blog--v3.localhost:\(server.port)/?preview="
        #expect(url.hasPrefix(prefix), "\(url)")
        let expiresAt = try #require(created.json["expiresAt"] as? Int)
        let now = Int(Date().timeIntervalSince1970 * 1000)
        #expect(expiresAt > now + 590_000 && expiresAt <= now + 601_000)
        let token = String(url.dropFirst(prefix.count))

        let opened = try Self.preview(server, "blog--v3", "/?preview=\(token)")
        #expect(opened.status == 200 && opened.text == "<h1>draft</h1>", "\(opened.text)")
        let setCookie = try #require(opened.header("set-cookie"))
        #expect(setCookie.hasPrefix("fazt_preview=\(token);") && !setCookie.contains("Domain"), "\(setCookie)")
        // The cookie lets the page's assets load.
        let cookie = [("Cookie", "fazt_preview=\(token)")]
        #expect(try Self.preview(server, "blog--v3", "/style.css", headers: cookie).status == 200)
        // It opens that version only, and nothing of the live app.
        #expect(try Self.preview(server, "blog--v1", "/?preview=\(token)").status == 403)
        #expect(try Self.preview(server, "blog--v1", "/", headers: cookie).status == 401)
        #expect(try server.app("blog", "/api/kv", headers: cookie).status == 200, "the live app is public anyway")
        // Forged signatures and expiries fail.
        let forged = String(token.dropLast()) + (token.hasSuffix("0") ? "1" : "0")
        let refused = try Self.preview(server, "blog--v3", "/?preview=\(forged)")
        #expect(refused.status == 403 && refused.text.contains("fazt preview blog 3"), "\(refused.text)")
        let later = token.split(separator: ".")
        let stretched = "\(Int(later[0])! + 1000).\(later[1])"
        #expect(try Self.preview(server, "blog--v3", "/?preview=\(stretched)").status == 403)

        let short = try server.api("GET", "/apps/blog/versions/1/preview?ttl=1")
        let shortURL = try #require(short.json["url"] as? String)
        let shortToken = String(shortURL.split(separator: "=", maxSplits: 1)[1])
        Thread.sleep(forTimeInterval: 2.2)
        #expect(try Self.preview(server, "blog--v1", "/?preview=\(shortToken)").status == 403, "expired")
        #expect(
            try Self.preview(server, "blog--v1", "/", headers: [("Cookie", "fazt_preview=\(shortToken)")]).status == 401
        )

        #expect(try server.api("GET", "/apps/blog/versions/9/preview").status == 404)
        #expect(try server.api("GET", "/apps/blog/versions/1/preview?ttl=0").status == 400)
        #expect(try server.api("GET", "/apps/blog/versions/1/preview", token: "fzt_0").status == 401)

        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        let (status, output, error) = try ServerProcess.runCLI(
            ["preview", "blog", "2", "--ttl", "120"],
            environment: env
        )
        #expect(status == 0, "\(error)")
        #expect(output.hasPrefix("http://blog--v2.localhost:\(server.port)/?preview="), "\(output)")
        let cliToken = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "=", maxSplits: 1)[1]
        #expect(try Self.preview(server, "blog--v2", "/?preview=\(cliToken)").text == "<h1>v2</h1>")
        let missing = try ServerProcess.runCLI(["preview", "blog", "9"], environment: env)
        #expect(missing.0 != 0 && missing.2.contains("fazt versions blog"), "\(missing.2)")
    }

    @Test func reservesPreviewLabelsAsAppNames() throws {
        let server = try ServerProcess()
        let refused = try server.deploy("blog--v1", try ArchiveFixtures.zip(Self.site("x")))
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.text.contains("'--v' and digits"), "\(refused.text)")
        #expect(try server.deploy("my--site", try ArchiveFixtures.zip(Self.site("x"))).status == 201)
        #expect(try server.app("my--site", "/").text == "<h1>x</h1>")
    }

    @Test func handlersRunAgainstTheirOwnEmptyStorage() throws {
        let server = try ServerProcess()
        try Self.deployThreeVersions(server)
        let owner = try Self.owner(server)
        #expect(try server.app("blog", "/api/kv?v=live", method: "POST").json["value"] as? String == "live")

        let empty = try Self.preview(server, "blog--v1", "/api/kv", headers: owner)
        #expect(empty.status == 200, "\(empty.text)")
        #expect(empty.json["value"] is NSNull, "the live app's value is invisible: \(empty.text)")
        let written = try Self.preview(server, "blog--v1", "/api/kv?v=preview", method: "POST", headers: owner)
        #expect(written.json["value"] as? String == "preview", "\(written.text)")
        #expect(try Self.preview(server, "blog--v1", "/api/kv", headers: owner).json["value"] as? String == "preview")
        #expect(try server.app("blog", "/api/kv").json["value"] as? String == "live", "the live app is untouched")
        #expect(try Self.preview(server, "blog--v2", "/api/kv", headers: owner).json["value"] is NSNull)

        let kernel = try Self.preview(server, "blog--v1", "/api/kernel", headers: owner)
        #expect(kernel.status == 200, "\(kernel.text)")
        for name in ["schedule", "emit", "notify"] {
            let outcome = kernel.json[name] as? String ?? ""
            #expect(outcome.hasPrefix("PREVIEW: ") && outcome.contains("is off in previews"), "\(name): \(outcome)")
        }
        let jobs = try server.api("GET", "/apps/blog/jobs")
        #expect(jobs.status == 200 && jobs.text.contains(#""jobs":[]"#), "\(jobs.text)")

        // Deleting the app deletes its previews' storage too.
        #expect(try server.api("DELETE", "/apps/blog").status == 200)
        #expect(try server.deploy("blog", try ArchiveFixtures.zip(Self.site("again"))).status == 201)
        let fresh = try Self.preview(server, "blog--v1", "/api/kv", headers: owner)
        #expect(fresh.json["value"] is NSNull, "\(fresh.text)")
    }
}

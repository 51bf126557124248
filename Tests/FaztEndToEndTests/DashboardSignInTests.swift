import FaztTestSupport
import Foundation
import Testing

/// The dashboard's sign-in: the owner password (`fazt owner password`), the cookie session, CSRF on
/// writes, the per-address limit, the token link, and signing out everywhere.
@Suite struct DashboardSignInTests {
    static let password = "correct horse battery staple"

    static func session(
        _ server: ServerProcess,
        _ method: String,
        _ body: String? = nil,
        cookie: String? = nil,
        csrf: String? = nil
    ) throws -> TestResponse {
        var headers = [("Content-Type", "application/json")]
        if let cookie { headers.append(("Cookie", cookie)) }
        if let csrf { headers.append(("X-Fazt-CSRF", csrf)) }
        return try TestHTTP.request(
            port: server.port,
            method,
            "/_fazt/session",
            host: "localhost:\(server.port)",
            headers: headers,
            body: body.map { Array($0.utf8) }
        )
    }

    static func control(
        _ server: ServerProcess,
        _ method: String,
        _ path: String,
        cookie: String,
        csrf: String? = nil,
        body: String? = nil
    ) throws -> TestResponse {
        var headers = [("Cookie", cookie), ("Content-Type", "application/json")]
        if let csrf { headers.append(("X-Fazt-CSRF", csrf)) }
        return try TestHTTP.request(
            port: server.port,
            method,
            "/_fazt/api/v1" + path,
            host: "localhost:\(server.port)",
            headers: headers,
            body: body.map { Array($0.utf8) }
        )
    }

    static func setPassword(_ server: ServerProcess, _ password: String) throws -> (Int32, String, String) {
        try ServerProcess.runCLI(
            ["owner", "password", "--server", "http://127.0.0.1:\(server.port)", "--token", try server.token()],
            input: password + "\n"
        )
    }

    /// `name=value` of the session cookie a response set.
    static func cookie(_ response: TestResponse) -> String? {
        guard let header = response.header("Set-Cookie") else { return nil }
        return header.split(separator: ";").first.map(String.init)
    }

    @Test func signsInWithThePasswordIntoAStrictHostOnlyCookie() throws {
        let server = try ServerProcess()
        let before = try Self.session(server, "GET")
        #expect(before.json["signedIn"] as? Bool == false && before.json["passwordSet"] as? Bool == false)

        let (short, _, shortError) = try Self.setPassword(server, "tiny")
        #expect(short != 0 && shortError.contains("at least 10 characters"), "\(shortError)")
        let (status, out, err) = try Self.setPassword(server, Self.password)
        #expect(status == 0, "\(out) \(err)")

        let wrong = try Self.session(server, "POST", #"{"password":"not the password"}"#)
        #expect(wrong.status == 401 && wrong.json["error"] as? String == "wrong password")
        #expect(wrong.header("Set-Cookie") == nil)

        let signed = try Self.session(server, "POST", #"{"password":"\#(Self.password)"}"#)
        #expect(signed.status == 200, "\(signed.text)")
        let setCookie = signed.header("Set-Cookie") ?? ""
        #expect(setCookie.hasPrefix("__Host-fazt_owner=fzs_"), "\(setCookie)")
        for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            #expect(setCookie.contains(attribute), "\(attribute) in \(setCookie)")
        }
        #expect(!setCookie.contains("Domain="), "host-only: app hosts never receive it")
        let cookie = try #require(Self.cookie(signed))
        let csrf = try #require(signed.json["csrf"] as? String)

        // Reads need only the cookie; writes also the CSRF token.
        let apps = try Self.control(server, "GET", "/apps", cookie: cookie)
        #expect(apps.status == 200, "\(apps.text)")
        let forged = try Self.control(server, "POST", "/tokens", cookie: cookie, body: #"{"name":"x"}"#)
        #expect(
            forged.status == 403 && (forged.json["error"] as? [String: Any])?["code"] as? String == "csrf",
            "\(forged.text)"
        )
        let wrongToken = try Self.control(server, "POST", "/tokens", cookie: cookie, csrf: "fzc_nope", body: "{}")
        #expect(wrongToken.status == 403)
        let made = try Self.control(server, "POST", "/tokens", cookie: cookie, csrf: csrf, body: #"{"name":"from-ui"}"#)
        #expect(made.status == 201, "\(made.text)")

        // A deploy with the cookie but without the CSRF token is refused before its body is read.
        let upload = try TestHTTP.request(
            port: server.port,
            "POST",
            "/_fazt/api/v1/apps/sneaky/deploy",
            host: "localhost:\(server.port)",
            headers: [("Cookie", cookie), ("Content-Type", "application/x-tar")],
            body: Array(repeating: 0, count: 1024)
        )
        #expect(upload.status == 403, "\(upload.text)")

        // The state endpoint gives the same CSRF token back to the signed-in page.
        let state = try Self.session(server, "GET", cookie: cookie)
        #expect(state.json["signedIn"] as? Bool == true && state.json["csrf"] as? String == csrf)

        // The cookie opens nothing on an app host: the dashboard session is not an app session.
        let onApp = try TestHTTP.request(
            port: server.port,
            "GET",
            "/_fazt/api/v1/apps",
            host: "blog.localhost:\(server.port)",
            headers: [("Cookie", cookie)]
        )
        #expect(onApp.status != 200 || !(onApp.text.contains("\"apps\"")), "\(onApp.status)")

        // Signing out needs the CSRF token too, and ends the session.
        #expect(try Self.session(server, "DELETE", cookie: cookie).status == 403)
        let signedOut = try Self.session(server, "DELETE", cookie: cookie, csrf: csrf)
        #expect(signedOut.status == 200 && (signedOut.header("Set-Cookie") ?? "").contains("Max-Age=0"))
        #expect(try Self.control(server, "GET", "/apps", cookie: cookie).status == 401)
    }

    @Test func limitsFailedAttemptsPerAddress() throws {
        let server = try ServerProcess()
        _ = try Self.setPassword(server, Self.password)
        var statuses: [Int] = []
        for attempt in 0..<11 {
            statuses.append(try Self.session(server, "POST", #"{"password":"guess \#(attempt)xxxxx"}"#).status)
        }
        #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
        let limited = try Self.session(server, "POST", #"{"password":"\#(Self.password)"}"#)
        #expect(statuses.last == 429 && limited.status == 429, "even the right password waits: \(statuses)")
        #expect(Int(limited.header("Retry-After") ?? "") ?? 0 > 0)
    }

    @Test func aTokenLinkSignsInOnceAndSessionsCanAllBeSignedOut() throws {
        let server = try ServerProcess()
        let token = try server.token()
        let scoped = try server.api("POST", "/tokens", body: Array(#"{"name":"ro","apps":["*"],"preset":"read"}"#.utf8))
        let scopedSecret = try #require(scoped.json["token"] as? String)
        #expect(try Self.session(server, "POST", #"{"token":"\#(scopedSecret)"}"#).status == 401, "owner tokens only")

        let first = try Self.session(server, "POST", #"{"token":"\#(token)"}"#)
        let second = try Self.session(server, "POST", #"{"token":"\#(token)"}"#)
        let cookie = try #require(Self.cookie(first))
        let other = try #require(Self.cookie(second))
        let csrf = try #require(first.json["csrf"] as? String)

        let list = try Self.control(server, "GET", "/sessions", cookie: cookie)
        let sessions = list.json["sessions"] as? [[String: Any]] ?? []
        #expect(sessions.count == 2, "\(list.text)")
        #expect(sessions.filter { $0["current"] as? Bool == true }.count == 1)

        let all = try Self.control(server, "DELETE", "/sessions", cookie: cookie, csrf: csrf)
        #expect(all.status == 200 && all.json["revoked"] as? Int == 2, "\(all.text)")
        #expect(try Self.control(server, "GET", "/apps", cookie: other).status == 401)

        let (listed, out, _) = try ServerProcess.runCLI([
            "owner", "sessions", "--server", "http://127.0.0.1:\(server.port)", "--token", token,
        ])
        #expect(listed == 0 && out.contains("no browser sessions"), "\(out)")
    }

    /// `GET /apps/{name}/files[/{path}]`: the live version's files for the dashboard's browser; a
    /// scoped token reads only its own apps' files.
    @Test func filesRouteListsAndReadsTheLiveVersion() throws {
        let server = try ServerProcess()
        let files = [js("index.html", "<h1>hi</h1>"), js("api/x.js", "module.exports = () => 1;")]
        #expect(try server.deploy("site", try ArchiveFixtures.zip(files)).status == 201)
        #expect(try server.deploy("other", try ArchiveFixtures.zip(files)).status == 201)
        let list = try server.api("GET", "/apps/site/files")
        let paths = (list.json["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(paths == ["api/x.js", "index.html"], "\(list.text)")
        let file = try server.api("GET", "/apps/site/files/api/x.js")
        #expect(file.status == 200 && file.text == "module.exports = () => 1;")
        #expect(try server.api("GET", "/apps/site/files/missing.js").status == 404)
        let scoped = try server.api(
            "POST",
            "/tokens",
            body: Array(#"{"name":"ro","apps":["other"],"preset":"read"}"#.utf8)
        )
        let secret = try #require(scoped.json["token"] as? String)
        #expect(try server.api("GET", "/apps/other/files", token: secret).status == 200)
        #expect(try server.api("GET", "/apps/site/files", token: secret).status == 403)
    }
}

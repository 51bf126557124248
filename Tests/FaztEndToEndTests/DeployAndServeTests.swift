import FaztTestSupport
import FaztVFS
import Foundation
import Testing

/// Deploy over HTTP and the static serving rules, through the real binary.
@Suite struct DeployAndServeTests {
    static let site: [ArchiveFixtures.Entry] = [
        ArchiveFixtures.file("index.html", "<h1>home</h1>"),
        ArchiveFixtures.file("docs/index.html", "<h1>docs</h1>"),
        ArchiveFixtures.file("404.html", "<h1>custom 404</h1>"),
        ArchiveFixtures.file("assets/app-3f9a2b1c.js", String(repeating: "console.log('fazt');\n", count: 200)),
        ArchiveFixtures.file("style.css", String(repeating: "body{margin:0}\n", count: 100)),
        ArchiveFixtures.file("private/secret.txt", "never served"),
        ArchiveFixtures.file("api/main.js", "module.exports = () => 1"),
        .file("logo.png", [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4]),
    ]

    @Test func deploysAZipAndServesIt() throws {
        let server = try ServerProcess()
        let response = try server.deploy("Hello", try ArchiveFixtures.zip(Self.site))
        #expect(response.status == 201)
        let json = response.json
        #expect(json["app"] as? String == "hello")
        #expect(json["version"] as? Int == 1)
        #expect(json["files"] as? Int == 8)
        #expect((json["bytes"] as? Int ?? 0) > 0)
        #expect(json["url"] as? String == "http://hello.localhost:\(server.port)/")
        let home = try server.app("hello", "/")
        #expect(home.status == 200 && home.text == "<h1>home</h1>")
        #expect(home.header("content-type") == "text/html; charset=utf-8")
        #expect(home.header("cache-control") == "no-cache")
        #expect(home.header("date") != nil)
        let head = try server.app("hello", "/", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty && head.header("content-length") == "13")
    }

    @Test func deploysTarGzAndMultipartUploads() throws {
        let server = try ServerProcess()
        let tar = try server.deploy("tarred", try ArchiveFixtures.tarGzip(Self.site), contentType: "application/gzip")
        #expect(tar.status == 201)
        #expect(try server.app("tarred", "/docs/").text == "<h1>docs</h1>")
        let zip = try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "from a form")])
        var body = Array("--fz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"site.zip\"\r\n".utf8)
        body += Array("Content-Type: application/zip\r\n\r\n".utf8) + zip + Array("\r\n--fz--\r\n".utf8)
        let form = try server.deploy("formed", body, contentType: "multipart/form-data; boundary=fz")
        #expect(form.status == 201)
        #expect(try server.app("formed", "/").text == "from a form")
    }

    @Test func followsTheStaticServingRules() throws {
        let server = try ServerProcess()
        _ = try server.deploy("site", try ArchiveFixtures.zip(Self.site))
        let redirect = try server.app("site", "/docs?x=1")
        #expect(redirect.status == 301 && redirect.header("location") == "/docs/?x=1")
        let missing = try server.app("site", "/nope")
        #expect(missing.status == 404 && missing.text == "<h1>custom 404</h1>")
        #expect(try server.app("site", "/private/secret.txt").status == 404)
        // /api/* runs handlers; the handler's source is never sent.
        #expect(try server.app("site", "/api/main.js").text.contains("module.exports") == false)
        let asset = try server.app("site", "/assets/app-3f9a2b1c.js")
        #expect(asset.header("cache-control") == "public, max-age=31536000, immutable")
        #expect(asset.header("content-type") == "text/javascript; charset=utf-8")
        #expect(try server.app("site", "/style.css").header("cache-control") == "public, max-age=300")
        #expect(try server.app("site", "/logo.png").header("content-type") == "image/png")
        let post = try TestHTTP.request(port: server.port, "POST", "/", host: "site.localhost", body: [1])
        #expect(post.status == 405)
    }

    @Test func spaFallbackAndPlain404() throws {
        let server = try ServerProcess()
        let spa = [
            ArchiveFixtures.file("index.html", "spa shell"), ArchiveFixtures.file("fazt.json", #"{"spa":true}"#),
        ]
        _ = try server.deploy("spa", try ArchiveFixtures.zip(spa))
        #expect(try server.app("spa", "/users/42").text == "spa shell")
        #expect(try server.app("spa", "/missing.js").status == 404)
        #expect(try server.app("spa", "/fazt.json").status == 404)
        _ = try server.deploy("plain", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "x")]))
        #expect(try server.app("plain", "/users/42").status == 404)
    }

    @Test func conditionalRequestsRangesAndGzip() throws {
        let server = try ServerProcess()
        _ = try server.deploy("site", try ArchiveFixtures.zip(Self.site))
        let css = try server.app("site", "/style.css")
        let etag = try #require(css.header("etag"))
        let lastModified = try #require(css.header("last-modified"))
        #expect(try server.app("site", "/style.css", headers: [("If-None-Match", etag)]).status == 304)
        #expect(try server.app("site", "/style.css", headers: [("If-Modified-Since", lastModified)]).status == 304)
        #expect(try server.app("site", "/style.css", headers: [("If-None-Match", "\"other\"")]).status == 200)

        let range = try server.app("site", "/style.css", headers: [("Range", "bytes=0-3")])
        #expect(range.status == 206 && range.text == "body")
        #expect(range.header("content-range") == "bytes 0-3/\(css.body.count)")
        let beyond = try server.app("site", "/style.css", headers: [("Range", "bytes=99999-")])
        #expect(beyond.status == 416 && beyond.header("content-range") == "bytes */\(css.body.count)")

        let gzipped = try server.app("site", "/style.css", headers: [("Accept-Encoding", "gzip, br")])
        #expect(gzipped.header("content-encoding") == "gzip")
        #expect(gzipped.header("vary") == "Accept-Encoding")
        #expect(gzipped.body.count < css.body.count)
        #expect(Gzip.decompress(gzipped.body) == css.body)
        let gzipTag = try #require(gzipped.header("etag"))
        #expect(
            try server.app("site", "/style.css", headers: [("Accept-Encoding", "gzip"), ("If-None-Match", gzipTag)])
                .status == 304
        )
        #expect(
            try server.app("site", "/logo.png", headers: [("Accept-Encoding", "gzip")]).header("content-encoding")
                == nil
        )
    }

    @Test func rollbackAndVersionsThroughTheAPI() throws {
        let server = try ServerProcess()
        _ = try server.deploy("site", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "one")]))
        let second = try server.deploy("site", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "two")]))
        #expect(second.json["version"] as? Int == 2)
        #expect(try server.app("site", "/").text == "two")
        let rollback = try server.api("POST", "/apps/site/rollback", body: Array(#"{"version":1}"#.utf8))
        #expect(rollback.status == 200 && rollback.json["version"] as? Int == 1)
        #expect(try server.app("site", "/").text == "one")
        let versions = try server.api("GET", "/apps/site/versions").json["versions"] as? [[String: Any]] ?? []
        #expect(versions.map { $0["version"] as? Int } == [2, 1])
        #expect(versions.map { $0["live"] as? Bool } == [false, true])
        let commits = versions.compactMap { $0["commit"] as? String }
        #expect(commits.count == 2 && Set(commits).count == 2 && commits.allSatisfy { $0.count == 40 })
        #expect(try server.api("POST", "/apps/site/rollback", body: Array(#"{"version":7}"#.utf8)).status == 404)
        #expect(try server.api("POST", "/apps/site/rollback", body: Array("nope".utf8)).status == 400)
        let info = try server.api("GET", "/apps/site")
        #expect(info.json["version"] as? Int == 1 && info.json["versions"] as? Int == 2)
        let list = try server.api("GET", "/apps").json["apps"] as? [[String: Any]] ?? []
        #expect(list.map { $0["name"] as? String } == ["site"])
        #expect(try server.api("DELETE", "/apps/site").status == 200)
        #expect(try server.app("site", "/").status == 404)
        #expect(try server.api("GET", "/apps/site").status == 404)
    }

    @Test func unknownAppsAndHostsAre404() throws {
        let server = try ServerProcess()
        #expect(try server.app("ghost", "/").status == 404)
        #expect(try server.app("bad_name", "/").status == 404)
        #expect(try TestHTTP.request(port: server.port, "GET", "/", host: "elsewhere.example").status == 404)
        let page = try TestHTTP.request(port: server.port, "GET", "/", host: "localhost:\(server.port)")
        #expect(page.status == 200 && page.text.contains("<title>Fazt</title>"))
        #expect(try TestHTTP.request(port: server.port, "GET", "/missing.txt").status == 404)
        let icon = try TestHTTP.request(port: server.port, "GET", "/favicon.ico")
        #expect(icon.status == 200 && icon.header("Content-Type") == "image/svg+xml", "the dashboard's icon")
    }
}

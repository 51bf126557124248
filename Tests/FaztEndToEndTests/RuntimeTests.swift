import FaztTestSupport
import Foundation
import Synchronization
import Testing

/// App JavaScript through the real binary: handler forms, routing, require, limits, isolation.
func js(_ path: String, _ source: String) -> ArchiveFixtures.Entry { ArchiveFixtures.file(path, source) }

@Suite struct RuntimeTests {
    static let forms: [ArchiveFixtures.Entry] = [
        js("api/main.js", "module.exports = async (req) => ({ hello: 'world', path: req.path, query: req.query });"),
        js("api/methods.js", "exports.GET = () => 'got'; exports.POST = async (req) => ({ posted: req.body });"),
        js(
            "api/script.js",
            "if (!request.query.name) { return respond(400, 'name missing'); }\nrespond({ hi: request.query.name });"
        ),
        js("api/completion.js", "const answer = 40 + 2;\n({ answer, method: request.method })"),
        js(
            "api/custom.js",
            "module.exports = () => new Response('<b>x</b>', { status: 202, headers: { 'content-type': 'text/html', 'x-app': 'yes' } });"
        ),
        js(
            "api/shape.js",
            "module.exports = () => ({ status: 418, headers: { 'x-tea': 'pot' }, body: { short: true } });"
        ),
        js("api/binary.js", "module.exports = () => new Uint8Array([0, 1, 2, 255]);"),
        js("api/nothing.js", "module.exports = () => undefined;"),
        js("api/boom.js", "module.exports = () => {\n  throw new Error('kaboom');\n};"),
        js(
            "api/timer.js",
            "module.exports = () => new Promise((resolve) => setTimeout(() => resolve({ waited: true }), 20));"
        ),
        js(
            "api/echo.js",
            "module.exports = (req) => ({ method: req.method, body: req.body, cookies: req.cookies, type: req.headers['content-type'] });"
        ),
    ]

    @Test func answersEveryHandlerForm() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("forms", try ArchiveFixtures.zip(Self.forms)).status == 201)
        func get(
            _ path: String,
            method: String = "GET",
            headers: [(String, String)] = [],
            body: [UInt8]? = nil
        ) throws -> TestResponse {
            try TestHTTP.request(port: server.port, method, path, host: "forms.localhost", headers: headers, body: body)
        }
        let main = try get("/api/anything?a=1&a=2&b=x")
        #expect(main.status == 200 && main.header("content-type") == "application/json")
        #expect(main.json["path"] as? String == "/api/anything")
        #expect((main.json["query"] as? [String: Any])?["a"] as? [String] == ["1", "2"])
        #expect(try get("/api/methods").text == "got")
        #expect(try get("/api/methods").header("content-type") == "text/plain; charset=utf-8")
        let posted = try get(
            "/api/methods",
            method: "POST",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"n":1}"#.utf8)
        )
        #expect((posted.json["posted"] as? [String: Any])?["n"] as? Int == 1)
        let refused = try get("/api/methods", method: "PUT", body: [])
        #expect(refused.status == 405 && refused.header("allow") == "GET, POST, HEAD")
        #expect(try get("/api/script").status == 400)
        #expect(try get("/api/script?name=zed").json["hi"] as? String == "zed")
        #expect(try get("/api/completion").json["answer"] as? Int == 42)
        let custom = try get("/api/custom")
        #expect(custom.status == 202 && custom.header("x-app") == "yes" && custom.text == "<b>x</b>")
        let shape = try get("/api/shape")
        #expect(shape.status == 418 && shape.header("x-tea") == "pot" && shape.json["short"] as? Bool == true)
        let binary = try get("/api/binary")
        #expect(binary.body == [0, 1, 2, 255] && binary.header("content-type") == "application/octet-stream")
        #expect(try get("/api/nothing").status == 204)
        // A crash tells an anonymous client nothing but the run that holds the details.
        let boom = try get("/api/boom")
        #expect(boom.status == 500 && boom.json["error"] as? String == "internal error")
        #expect(boom.json["where"] == nil && !boom.text.contains("kaboom"))
        let run = try #require(boom.json["run"] as? Int)
        let runs = try server.api("GET", "/apps/forms/runs?kind=http").json["runs"] as? [[String: Any]] ?? []
        let recorded = try #require(runs.first { $0["id"] as? Int == run })
        let error = recorded["error"] as? String ?? ""
        #expect(error.contains("kaboom") && error.contains("api/boom.js:2"), "\(error)")
        #expect(!error.contains("fazt:"), "no prelude frames in the stack: \(error)")
        #expect(try get("/api/timer").json["waited"] as? Bool == true)
        let form = try get(
            "/api/echo",
            method: "POST",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "a=1; b=two%20words")],
            body: Array("x=1&y=hello+there&x=2".utf8)
        )
        #expect((form.json["body"] as? [String: Any])?["y"] as? String == "hello there")
        #expect((form.json["body"] as? [String: Any])?["x"] as? [String] == ["1", "2"])
        #expect((form.json["cookies"] as? [String: String]) == ["a": "1", "b": "two words"])
    }

    @Test func routesByFileAndRequiresModules() throws {
        let server = try ServerProcess()
        let files: [ArchiveFixtures.Entry] = [
            js("api/main.js", "module.exports = () => 'main';"),
            js("api/users.js", "module.exports = (req) => 'users ' + req.path;"),
            js("api/teams/index.js", "module.exports = () => 'teams index';"),
            js("api/_helper.js", "module.exports = () => 'never a route';"),
            js(
                "api/lib.js",
                "const util = require('../lib/util'); const data = require('../lib/data.json'); const dir = require('../lib/dir');\nmodule.exports = () => ({ shout: util.shout('hey'), names: data.names, dir: dir.name });"
            ),
            js("lib/util.js", "exports.shout = (s) => s.toUpperCase() + '!';"),
            ArchiveFixtures.file("lib/data.json", #"{"names":["ann","bob"]}"#),
            js("lib/dir/index.js", "exports.name = 'dir index';"),
            js(
                "api/cycle.js",
                "const a = require('../lib/a'); module.exports = () => ({ a: a.name, sawB: a.sawB, bSawPartialA: a.bSawPartialA });"
            ),
            js(
                "lib/a.js",
                "exports.name = 'a'; const b = require('./b'); exports.sawB = b.name; exports.bSawPartialA = b.sawA;"
            ),
            js("lib/b.js", "const a = require('./a'); exports.name = 'b'; exports.sawA = a.name;"),
            js(
                "api/escape.js",
                "module.exports = () => { try { require('../../../../etc/passwd'); return 'escaped'; } catch (e) { return e.message; } };"
            ),
            js(
                "api/missing.js",
                "module.exports = () => { try { require('left-pad'); } catch (e) { return e.message; } };"
            ),
        ]
        #expect(try server.deploy("routes", try ArchiveFixtures.zip(files)).status == 201)
        func get(_ path: String) throws -> TestResponse { try server.app("routes", path) }
        #expect(try get("/api").text == "main")
        #expect(try get("/api/nowhere/deep").text == "main")
        #expect(try get("/api/users").text == "users /api/users")
        #expect(try get("/api/users/42").text == "users /api/users/42")
        #expect(try get("/api/teams").text == "teams index")
        #expect(try get("/api/_helper").text == "main")
        let lib = try get("/api/lib").json
        #expect(
            lib["shout"] as? String == "HEY!" && lib["names"] as? [String] == ["ann", "bob"]
                && lib["dir"] as? String == "dir index"
        )
        let cycle = try get("/api/cycle").json
        #expect(
            cycle["a"] as? String == "a" && cycle["sawB"] as? String == "b" && cycle["bSawPartialA"] as? String == "a"
        )
        #expect(try get("/api/escape").text.contains("Cannot find module"))
        #expect(try get("/api/missing").text == "Cannot find module 'left-pad' from api/missing.js")
        let noHandler = try ServerProcess()
        _ = try noHandler.deploy("plain", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "x")]))
        #expect(try noHandler.app("plain", "/api/x").status == 404)
    }

    @Test func keepsAppsAndVersionsIsolated() throws {
        let server = try ServerProcess()
        let setter = [
            js(
                "api/main.js",
                "globalThis.leak = (globalThis.leak || 0) + 1; module.exports = () => ({ leak: globalThis.leak, seen: typeof globalThis.other });"
            )
        ]
        let reader = [
            js("api/main.js", "module.exports = () => ({ leak: typeof globalThis.leak }); globalThis.other = 1;")
        ]
        _ = try server.deploy("one", try ArchiveFixtures.zip(setter))
        _ = try server.deploy("two", try ArchiveFixtures.zip(reader))
        #expect(try server.app("one", "/api").json["leak"] as? Int == 1)
        #expect(try server.app("two", "/api").json["leak"] as? String == "undefined")
        #expect(try server.app("one", "/api").json["seen"] as? String == "undefined")
        _ = try server.deploy(
            "one",
            try ArchiveFixtures.zip([js("api/main.js", "module.exports = () => ({ leak: typeof globalThis.leak });")])
        )
        #expect(try server.app("one", "/api").json["leak"] as? String == "undefined")
    }

    @Test func answersCORSPreflightWithoutJavaScript() throws {
        let server = try ServerProcess()
        _ = try server.deploy(
            "cors",
            try ArchiveFixtures.zip([js("api/main.js", "module.exports = () => ({ ok: 1 });")])
        )
        let preflight = try TestHTTP.request(
            port: server.port,
            "OPTIONS",
            "/api/thing",
            host: "cors.localhost",
            headers: [
                ("Origin", "https://elsewhere.example"), ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ]
        )
        #expect(preflight.status == 204)
        #expect(preflight.header("access-control-allow-origin") == "*")
        #expect(preflight.header("access-control-allow-headers") == "content-type")
        let call = try server.app("cors", "/api", headers: [("Origin", "https://elsewhere.example")])
        #expect(call.header("access-control-allow-origin") == "*")
        #expect(server.childProcesses.count == 1)
    }

    @Test func refusesDeploysWithSyntaxErrors() throws {
        let server = try ServerProcess()
        let good = [
            js("api/main.js", "module.exports = () => 'live';"),
            js("api/early.js", "if (request.query.x) { return respond('early'); }\nrespond('late');"),
        ]
        #expect(try server.deploy("syntax", try ArchiveFixtures.zip(good)).status == 201)
        let bad = [
            js("api/main.js", "module.exports = () => 'new';"),
            js("api/broken.js", "module.exports = () => {\n  return {;\n};"),
        ]
        let refused = try server.deploy("syntax", try ArchiveFixtures.zip(bad))
        #expect(refused.status == 400)
        let error = refused.json["error"] as? [String: Any]
        #expect(error?["code"] as? String == "syntax_error")
        #expect((error?["message"] as? String)?.hasPrefix("api/broken.js:2") == true, "\(refused.text)")
        #expect(try server.app("syntax", "/api").text == "live")
        #expect(try server.app("syntax", "/api/early?x=1").text == "early")
        #expect(try server.app("syntax", "/api/early").text == "late")
        #expect(try server.api("GET", "/apps/syntax").json["versions"] as? Int == 1)
    }

    @Test func providesWebGlobalsAndTheFaztObject() throws {
        let server = try ServerProcess()
        let source = #"""
            module.exports = async () => {
              const u = new URL('/a/../b/c?x=1&y=two+words#h', 'HTTPS://Example.com:443/base/');
              u.searchParams.append('z', 'ü');
              const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc')));
              return {
                href: u.href, host: u.host, path: u.pathname, y: u.searchParams.get('y'),
                b64: btoa('hello'), unb64: atob('aGVsbG8='),
                round: new TextDecoder().decode(new TextEncoder().encode('héllo €😀')),
                uuid: /^[0-9a-f-]{36}$/.test(crypto.randomUUID()),
                sha: Array.from(digest.slice(0, 4)),
                app: fazt.app, env: fazt.env.get('GREETING', 'none'), missing: fazt.env.get('NOPE', 'fallback'),
                clone: structuredClone({ a: [1, 2] }),
              };
            };
            """#
        let files = [js("api/main.js", source), ArchiveFixtures.file("fazt.json", #"{"env": {"GREETING": "hi"}}"#)]
        _ = try server.deploy("globals", try ArchiveFixtures.zip(files))
        let json = try server.app("globals", "/api").json
        #expect(json["href"] as? String == "https://example.com/b/c?x=1&y=two+words&z=%C3%BC#h")
        #expect(
            json["host"] as? String == "example.com" && json["path"] as? String == "/b/c"
                && json["y"] as? String == "two words"
        )
        #expect(json["b64"] as? String == "aGVsbG8=" && json["unb64"] as? String == "hello")
        #expect(json["round"] as? String == "héllo €😀")
        #expect(json["uuid"] as? Bool == true)
        #expect(json["sha"] as? [Int] == [186, 120, 22, 191])
        #expect((json["app"] as? [String: Any])?["name"] as? String == "globals")
        #expect((json["app"] as? [String: Any]).map { Set($0.keys) } == ["name", "version"], "no internal keys")
        #expect(json["env"] as? String == "hi" && json["missing"] as? String == "fallback")
        #expect((json["clone"] as? [String: Any])?["a"] as? [Int] == [1, 2])
    }

    @Test func readsTheVersionsOwnPrivateFilesAndSignsWithHMAC() throws {
        let server = try ServerProcess()
        let source = #"""
            module.exports = async () => {
              const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('key'),
                { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
              const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('abc'));
              return {
                list: fazt.files.list('private/knowledge/'), faq: fazt.files.read('private/knowledge/faq.md'),
                missing: fazt.files.read('private/knowledge/nope.md'),
                mac: Array.from(new Uint8Array(mac).slice(0, 4)),
                ok: await crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode('abc')),
              };
            };
            """#
        let files = [
            js("api/main.js", source), ArchiveFixtures.file("private/knowledge/faq.md", "# FAQ\n"),
            ArchiveFixtures.file("private/knowledge/team.md", "# Team\n"), ArchiveFixtures.file("index.html", "hi"),
        ]
        _ = try server.deploy("knows", try ArchiveFixtures.zip(files))
        let json = try server.app("knows", "/api").json
        #expect(json["list"] as? [String] == ["private/knowledge/faq.md", "private/knowledge/team.md"])
        #expect(json["faq"] as? String == "# FAQ\n")
        #expect(json["missing"] is NSNull)
        // HMAC-SHA-256("key", "abc") starts 9c 19 6e 32.
        #expect(json["mac"] as? [Int] == [0x9c, 0x19, 0x6e, 0x32])
        #expect(json["ok"] as? Bool == true)
    }

    @Test func storesConsoleOutputAndErrorsInTheAppLog() throws {
        let server = try ServerProcess()
        let files = [
            js(
                "api/main.js",
                "module.exports = () => { console.log('hello', { n: 1 }); fazt.log.warn('careful'); return 'ok'; };"
            ),
            js("api/boom.js", "module.exports = () => {\n  throw new Error('kaboom');\n};"),
        ]
        _ = try server.deploy("logged", try ArchiveFixtures.zip(files))
        #expect(try server.app("logged", "/api").text == "ok")
        #expect(try server.app("logged", "/api/boom").status == 500)
        var messages: [String] = []
        for _ in 0..<100 where messages.count < 3 {
            let logs = try server.api("GET", "/apps/logged/logs").json["logs"] as? [[String: Any]] ?? []
            messages = logs.compactMap { $0["message"] as? String }
            if messages.count < 3 { usleep(20_000) }
        }
        #expect(messages.first == #"hello {"n":1}"#)
        #expect(messages.contains("careful"))
        #expect(messages.contains { $0.contains("kaboom") && $0.contains("api/boom.js:2") })
        let home = try TemporaryDirectory()
        let env = [
            "FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token(),
            "XDG_CONFIG_HOME": home.path,
        ]
        let (status, output, _) = try ServerProcess.runCLI(["logs", "logged"], environment: env)
        #expect(status == 0 && output.contains("careful") && output.contains("kaboom"))
    }

    @Test func answersEveryConcurrentRequestWithItsOwnResponse() throws {
        let server = try ServerProcess()
        _ = try server.deploy(
            "echo",
            try ArchiveFixtures.zip([js("api/main.js", "module.exports = (req) => ({ n: req.query.n });")])
        )
        let port = server.port
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            guard let connection = try? TestConnection(port: port) else {
                mismatches.withLock { $0 += 1 }
                return
            }
            for index in 0..<40 {
                let n = "\(thread)-\(index)"
                let ok = (try? connection.sendRequest("GET", "/api?n=\(n)", host: "echo.localhost")) != nil
                let answer = ok ? (try? connection.readResponse())?.json["n"] as? String : nil
                if answer != n { mismatches.withLock { $0 += 1 } }
            }
        }
        #expect(mismatches.withLock { $0 } == 0)
        #expect(!server.stderr.contains("killing JavaScript worker"))
    }

    @Test func requiresTheBundledModules() throws {
        let server = try ServerProcess()
        let source = #"""
            const _ = require('lodash');
            const cheerio = require('cheerio');
            const { marked } = require('marked');
            module.exports = () => ({
              chunk: _.chunk([1, 2, 3, 4, 5], 2),
              items: cheerio.load('<ul><li>a</li><li>b</li><li>c</li></ul>')('li').length,
              html: marked.parse('# Hi *there*'),
              same: require('lodash') === _,
            });
            """#
        _ = try server.deploy("bundled", try ArchiveFixtures.zip([js("api/main.js", source)]))
        let json = try server.app("bundled", "/api").json
        #expect(json["chunk"] as? [[Int]] == [[1, 2], [3, 4], [5]])
        #expect(json["items"] as? Int == 3)
        #expect(json["html"] as? String == "<h1 id=\"hi-there\">Hi <em>there</em></h1>\n")
        #expect(json["same"] as? Bool == true)
    }

    @Test func parsesMultipartUploadsAndBinaryBodies() throws {
        let server = try ServerProcess()
        let source = #"""
            module.exports = async (req) => {
              const buffer = new Uint8Array(await req.arrayBuffer());
              return {
                fields: req.body,
                files: req.files.map((f) => ({ name: f.name, filename: f.filename, type: f.type, size: f.size, first: Array.from(new Uint8Array(f.data).slice(0, 4)) })),
                total: buffer.length,
              };
            };
            """#
        _ = try server.deploy("upload", try ArchiveFixtures.zip([js("api/main.js", source)]))
        var body = Array("--XB\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello world\r\n".utf8)
        body += Array("--XB\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"b.dat\"\r\n".utf8)
        body +=
            Array("Content-Type: application/x-thing\r\n\r\n".utf8) + [0, 1, 2, 255, 254] + Array("\r\n--XB--\r\n".utf8)
        let response = try TestHTTP.request(
            port: server.port,
            "POST",
            "/api",
            host: "upload.localhost",
            headers: [("Content-Type", "multipart/form-data; boundary=XB")],
            body: body
        )
        #expect((response.json["fields"] as? [String: String]) == ["title": "hello world"])
        let file = (response.json["files"] as? [[String: Any]])?.first
        #expect(file?["filename"] as? String == "b.dat" && file?["type"] as? String == "application/x-thing")
        #expect(file?["size"] as? Int == 5 && file?["first"] as? [Int] == [0, 1, 2, 255])
        #expect(response.json["total"] as? Int == body.count)
        let raw = try TestHTTP.request(
            port: server.port,
            "POST",
            "/api",
            host: "upload.localhost",
            headers: [("Content-Type", "application/octet-stream")],
            body: [0, 255, 1, 254]
        )
        #expect(raw.json["total"] as? Int == 4)
    }

    @Test func readsOwnerSetEnvValuesLive() throws {
        let server = try ServerProcess()
        let files = [
            js("api/main.js", "module.exports = () => ({ greeting: fazt.env.get('GREETING', 'none') });"),
            ArchiveFixtures.file("fazt.json", #"{"env": {"GREETING": "from manifest"}}"#),
        ]
        _ = try server.deploy("envy", try ArchiveFixtures.zip(files))
        #expect(try server.app("envy", "/api").json["greeting"] as? String == "from manifest")
        let home = try TemporaryDirectory()
        let env = [
            "FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token(),
            "XDG_CONFIG_HOME": home.path,
        ]
        #expect(
            try ServerProcess.runCLI(["env", "set", "envy", "GREETING", "from the owner"], environment: env).0 == 0
        )
        #expect(try server.app("envy", "/api").json["greeting"] as? String == "from the owner")
        let listed = try ServerProcess.runCLI(["env", "list", "envy", "--json"], environment: env)
        #expect(listed.0 == 0 && listed.1.contains("from the owner"))
        #expect(try ServerProcess.runCLI(["env", "set", "envy", "1BAD", "x"], environment: env).0 != 0)
        #expect(try ServerProcess.runCLI(["env", "unset", "envy", "GREETING"], environment: env).0 == 0)
        #expect(try server.app("envy", "/api").json["greeting"] as? String == "from manifest")
        #expect(try server.api("PUT", "/apps/ghost/env/X", body: Array(#"{"value":"1"}"#.utf8)).status == 404)
    }

    @Test func appliesTheManifestsCORSAndTimeLimit() throws {
        let server = try ServerProcess()
        let manifest =
            #"{"cors":{"origins":["https://ok.example"],"credentials":true,"headers":["x-token"]},"limits":{"timeoutMs":700}}"#
        let files = [
            js("api/main.js", "module.exports = () => 'hi';"),
            js(
                "api/slow.js",
                "module.exports = () => new Promise((resolve) => setTimeout(() => resolve('late'), 1500));"
            ),
            ArchiveFixtures.file("fazt.json", manifest),
        ]
        _ = try server.deploy("strict", try ArchiveFixtures.zip(files))
        func preflight(_ origin: String) throws -> TestResponse {
            try TestHTTP.request(
                port: server.port,
                "OPTIONS",
                "/api",
                host: "strict.localhost",
                headers: [("Origin", origin), ("Access-Control-Request-Method", "POST")]
            )
        }
        let allowed = try preflight("https://ok.example")
        #expect(allowed.header("access-control-allow-origin") == "https://ok.example")
        #expect(allowed.header("access-control-allow-credentials") == "true")
        #expect(allowed.header("access-control-allow-headers") == "x-token")
        #expect(try preflight("https://evil.example").header("access-control-allow-origin") == nil)
        let call = try server.app("strict", "/api", headers: [("Origin", "https://ok.example")])
        #expect(call.header("access-control-allow-origin") == "https://ok.example")
        #expect(
            try server.app("strict", "/api", headers: [("Origin", "https://evil.example")]).header(
                "access-control-allow-origin"
            ) == nil
        )
        // 1.5 s of work fits the 5 s default but not the manifest's 700 ms.
        #expect(try server.app("strict", "/api/slow").status == 503)
        _ = try server.deploy("relaxed", try ArchiveFixtures.zip([files[1]]))
        #expect(try server.app("relaxed", "/api/slow").text == "late")
    }

    @Test func fetchesThroughTheDaemonWithinTheEgressPolicy() throws {
        let source = #"""
            module.exports = async (req) => {
              try {
                const started = Date.now();
                const response = await fetch(req.query.url, { headers: { 'x-test': '1' } });
                const data = await response.json();
                return { status: response.status, data, type: response.headers.get('content-type'), ms: Date.now() - started };
              } catch (error) {
                return { status: 500, body: { error: error.message } };
              }
            };
            """#
        for allowed in [true, false] {
            let server = try ServerProcess(arguments: allowed ? ["--allow-private-egress"] : [])
            let many =
                "module.exports = async (req) => (await Promise.all(Array.from({ length: 10 }, () => fetch(req.query.url)))).map((r) => r.status);"
            _ = try server.deploy(
                "fetcher",
                try ArchiveFixtures.zip([js("api/main.js", source), js("api/many.js", many)])
            )
            let target = "http://127.0.0.1:\(server.port)/_fazt/api/v1/health"
            let response = try server.app("fetcher", "/api?url=\(target)")
            if allowed {
                #expect(response.json["status"] as? Int == 200)
                #expect((response.json["data"] as? [String: Any])?["status"] as? String == "ok")
                #expect(response.json["type"] as? String == "application/json")
                // Ten fetches in flight at once, all driven by the daemon's one multi handle.
                let statuses = try server.app("fetcher", "/api/many?url=\(target)")
                #expect(
                    (try JSONSerialization.jsonObject(with: Data(statuses.body)) as? [Int])
                        == Array(repeating: 200, count: 10)
                )
            } else {
                #expect(response.status == 500)
                #expect((response.json["error"] as? String)?.contains("private or loopback") == true)
                #expect((response.json["error"] as? String)?.contains("--allow-private-egress") == true)
            }
            let ftp = try server.app("fetcher", "/api?url=ftp://example.com/x")
            #expect((ftp.json["error"] as? String)?.contains("only http and https") == true)
        }
    }

    @Test func followsTheAppLogAsServerSentEvents() throws {
        let server = try ServerProcess()
        _ = try server.deploy(
            "chatty",
            try ArchiveFixtures.zip([
                js("api/main.js", "module.exports = (req) => { console.log('said ' + req.query.n); return 'ok'; };")
            ])
        )
        #expect(try server.app("chatty", "/api?n=1").text == "ok")
        let stream = try TestConnection(port: server.port)
        try stream.sendRequest(
            "GET",
            "/_fazt/api/v1/apps/chatty/logs?follow=1",
            headers: [("Authorization", "Bearer \(try server.token())")]
        )
        let head = try stream.readUntil("said 1")
        #expect(head.hasPrefix("HTTP/1.1 200") && head.contains("text/event-stream"))
        #expect(try server.app("chatty", "/api?n=2").text == "ok")
        let more = try stream.readUntil("said 2")
        #expect(more.contains("event: log") && more.contains("\"level\":\"info\""))
        #expect(try server.api("GET", "/apps/ghost/logs?follow=1").status == 404)
    }

    @Test func capsFetchedResponsesAtFiveMegabytes() throws {
        let server = try ServerProcess(arguments: ["--allow-private-egress"])
        var state: UInt32 = 2_463_534_242
        let noise: [UInt8] = (0..<(6 << 20)).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
        _ = try server.deploy(
            "big",
            try ArchiveFixtures.zip([.file("big.bin", noise), .file("small.bin", Array(noise.prefix(1000)))])
        )
        let source = """
            module.exports = async (req) => {
              try {
                const r = await fetch(`http://127.0.0.1:${req.query.port}/${req.query.file}`, { headers: { host: 'big.localhost' } });
                return { size: (await r.arrayBuffer()).byteLength };
              } catch (e) { return { error: e.message }; }
            };
            """
        _ = try server.deploy("getter", try ArchiveFixtures.zip([js("api/main.js", source)]))
        #expect(try server.app("getter", "/api?port=\(server.port)&file=small.bin").json["size"] as? Int == 1000)
        let big = try server.app("getter", "/api?port=\(server.port)&file=big.bin")
        #expect((big.json["error"] as? String)?.contains("larger than 5 MB") == true, "\(big.text)")
    }
}

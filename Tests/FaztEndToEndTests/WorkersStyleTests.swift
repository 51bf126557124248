import FaztTestSupport
import Foundation
import Testing

/// Workers-style handlers (`export default { fetch(request, env, ctx) }`) and the web globals
/// such code expects, through the real binary.
@Suite struct WorkersStyleTests {
    /// A Workers-style app with a tiny Hono-style router on `URLPattern`, in CommonJS form.
    static let routerApp = """
        const routes = [];
        const app = {
          on(method, path, handler) { routes.push({ method, pattern: new URLPattern({ pathname: path }), handler }); return app; },
          get(path, handler) { return app.on("GET", path, handler); },
          post(path, handler) { return app.on("POST", path, handler); },
          async fetch(request, env, ctx) {
            for (const route of routes) {
              if (route.method !== request.method) continue;
              const match = route.pattern.exec(request.url);
              if (match) return route.handler({ req: request, env, ctx, params: match.pathname.groups, url: new URL(request.url) });
            }
            return Response.json({ error: "not found", path: new URL(request.url).pathname }, { status: 404 });
          },
        };
        app.post("/api/echo", async (c) => Response.json({
          got: await c.req.json(), method: c.req.method, greeting: c.env.GREETING ?? null, missing: c.env.NOPE ?? null,
          url: c.req.url, q: c.url.searchParams.get("q"), type: c.req.headers.get("content-type"),
        }));
        app.get("/api/books/:id", (c) => Response.json({ id: c.params.id }));
        app.post("/api/form", async (c) => {
          const form = await c.req.formData();
          const file = form.get("file");
          return Response.json({ name: form.get("name"), tags: form.getAll("tag"),
            file: file ? { name: file.name, type: file.type, size: file.size, text: await file.text() } : null });
        });
        app.get("/api/go", () => Response.redirect("https://example.com/landing", 307));
        // Waits (at most 10 s) until the test said it got what was sent so far (POST /api/ack/NAME).
        async function acked(name) {
          const started = Date.now();
          while (!fazt.kv.get(`ack-${name}`)) {
            if (Date.now() - started > 10000) throw new Error(`no ack ${name}`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
        app.post("/api/ack/:name", (c) => { fazt.kv.set(`ack-${c.params.name}`, true); return new Response("ok"); });
        app.get("/api/later", (c) => {
          c.ctx.waitUntil((async () => {
            await acked("later");
            fazt.kv.set("later", "done");
          })());
          return new Response("sent first");
        });
        app.get("/api/stream", () => {
          let n = 0;
          return new Response(new ReadableStream({
            async pull(controller) {
              if (n === 3) return controller.close();
              // Each chunk after the first waits until the client has the one before.
              if (n > 0) await acked(`tick-${n}`);
              n += 1;
              controller.enqueue(new TextEncoder().encode(`tick-${n}\\n`));
            },
          }), { headers: { "content-type": "text/plain; charset=utf-8" } });
        });
        app.get("/api/broken", () => new Response(new ReadableStream({
          start(controller) {
            controller.enqueue("part-1\\n");
            setTimeout(() => controller.error(new Error("the source broke")), 100);
          },
        })));
        app.get("/api/abort", async (c) => {
          const controller = new AbortController();
          const started = Date.now();
          setTimeout(() => controller.abort(), 150);
          const timed = c.url.searchParams.get("timeout") === "1";
          try {
            await fetch(c.url.searchParams.get("target"), { signal: timed ? AbortSignal.timeout(150) : controller.signal });
            return Response.json({ aborted: false });
          } catch (error) {
            return Response.json({ aborted: true, name: error.name, ms: Date.now() - started });
          }
        });
        exports.default = app;
        """

    static func deployRouterApp(_ server: ServerProcess) throws {
        let files: [ArchiveFixtures.Entry] = [
            js("api/index.js", routerApp),
            js(
                "api/plain.js",
                "module.exports = { fetch: (request) => new Response('plain ' + new URL(request.url).pathname) };"
            ),
            ArchiveFixtures.file("fazt.json", #"{"env": {"GREETING": "hello"}}"#),
        ]
        let deployed = try server.deploy("workers", try ArchiveFixtures.zip(files))
        #expect(deployed.status == 201, "\(deployed.text)")
    }

    static func post(
        _ server: ServerProcess,
        _ path: String,
        type: String,
        body: [UInt8]
    ) throws -> TestResponse {
        let connection = try TestConnection(port: server.port)
        try connection.sendRequest(
            "POST",
            path,
            host: "workers.localhost:\(server.port)",
            headers: [("Content-Type", type)],
            body: body
        )
        return try connection.readResponse()
    }

    @Test func fetchHandlerAnswersWithWebRequestEnvAndRouter() throws {
        let server = try ServerProcess()
        try Self.deployRouterApp(server)
        let echo = try Self.post(server, "/api/echo?q=1", type: "application/json", body: Array(#"{"a":[1,2]}"#.utf8))
        #expect(echo.status == 200, "\(echo.text)")
        let json = echo.json
        #expect((json["got"] as? [String: [Int]]) == ["a": [1, 2]])
        #expect(json["method"] as? String == "POST")
        #expect(json["greeting"] as? String == "hello")
        #expect(json["missing"] is NSNull)
        #expect(json["url"] as? String == "http://workers.localhost:\(server.port)/api/echo?q=1")
        #expect(json["q"] as? String == "1")
        #expect(json["type"] as? String == "application/json")
        // The router sees every method and sub-path of the app's /api space.
        #expect(try server.app("workers", "/api/books/42").json["id"] as? String == "42")
        let missing = try server.app("workers", "/api/deep/unknown/path")
        #expect(missing.status == 404 && missing.json["path"] as? String == "/api/deep/unknown/path")
        // A more specific file still wins, and `module.exports = {fetch}` is a handler too.
        #expect(try server.app("workers", "/api/plain").text == "plain /api/plain")
        #expect(try server.app("workers", "/api/plain/sub").text == "plain /api/plain/sub")
        let redirect = try server.app("workers", "/api/go")
        #expect(redirect.status == 307 && redirect.header("location") == "https://example.com/landing")
    }

    @Test func formDataReadsURLEncodedAndMultipartBodies() throws {
        let server = try ServerProcess()
        try Self.deployRouterApp(server)
        let encoded = try Self.post(
            server,
            "/api/form",
            type: "application/x-www-form-urlencoded",
            body: Array("name=caf%C3%A9+au+lait&tag=a&tag=b".utf8)
        )
        #expect(encoded.json["name"] as? String == "café au lait", "\(encoded.text)")
        #expect(encoded.json["tags"] as? [String] == ["a", "b"])
        #expect(encoded.json["file"] is NSNull)
        var body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nzed\r\n".utf8)
        body += Array(
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                .utf8
        )
        body += Array("line one\r\nline two".utf8) + Array("\r\n--XyZ--\r\n".utf8)
        let multipart = try Self.post(server, "/api/form", type: "multipart/form-data; boundary=XyZ", body: body)
        #expect(multipart.json["name"] as? String == "zed", "\(multipart.text)")
        let file = multipart.json["file"] as? [String: Any]
        #expect(file?["name"] as? String == "notes.txt")
        #expect(file?["type"] as? String == "text/plain")
        #expect(file?["size"] as? Int == 18)
        #expect(file?["text"] as? String == "line one\r\nline two")
    }

    @Test func waitUntilWorkFinishesAfterTheResponse() throws {
        let server = try ServerProcess()
        try Self.deployRouterApp(server)
        let response = try server.app("workers", "/api/later")
        #expect(response.status == 200 && response.text == "sent first")
        // The response left while the work still waits for this test's go-ahead.
        #expect(try server.api("GET", "/apps/workers/kv/later").status != 200)
        #expect(try server.app("workers", "/api/ack/later", method: "POST").text == "ok")
        var value: String?
        for _ in 0..<100 where value == nil {
            let read = try server.api("GET", "/apps/workers/kv/later")
            if read.status == 200 {
                value = read.json["value"] as? String
            } else {
                // Bounded retry: one read per 100 ms for at most 10 s.
                usleep(100_000)
            }
        }
        #expect(value == "done")
    }

    @Test func readableStreamBodyArrivesInChunksOverTime() throws {
        let server = try ServerProcess()
        try Self.deployRouterApp(server)
        let connection = try TestConnection(port: server.port)
        try connection.sendRequest("GET", "/api/stream", host: "workers.localhost:\(server.port)")
        var text = ""
        for n in 1...3 {
            // The handler makes tick n+1 only once this test acknowledged tick n: a server that
            // held chunks back until the end would never deliver tick 1.
            text = try connection.readUntil("tick-\(n)\n")
            #expect(!text.contains("tick-\(n + 1)"), "tick-\(n + 1) came with tick-\(n)")
            if n < 3 {
                #expect(try server.app("workers", "/api/ack/tick-\(n)", method: "POST").text == "ok")
            }
        }
        text = try connection.readUntil("\r\n0\r\n\r\n")
        #expect(text.hasPrefix("HTTP/1.1 200"))
        #expect(text.lowercased().contains("transfer-encoding: chunked"))
        #expect(text.lowercased().contains("content-type: text/plain; charset=utf-8"))
    }

    @Test func aClientThatLeavesMidStreamHurtsNothing() throws {
        let server = try ServerProcess()
        try Self.deployRouterApp(server)
        do {
            let connection = try TestConnection(port: server.port)
            try connection.sendRequest("GET", "/api/stream", host: "workers.localhost:\(server.port)")
            _ = try connection.readUntil("tick-1\n")
        }  // the connection closes here, mid-body
        // The handler goes on and enqueues tick 2 for nobody; the server keeps serving.
        #expect(try server.app("workers", "/api/ack/tick-1", method: "POST").text == "ok")
        #expect(try server.app("workers", "/api/books/9").json["id"] as? String == "9")
        #expect(try server.app("workers", "/api/ack/tick-2", method: "POST").text == "ok")
        #expect(try server.app("workers", "/api/books/10").json["id"] as? String == "10")
    }

    @Test func aStreamThatFailsEndsTheBodyTruncated() throws {
        let server = try ServerProcess()
        try Self.deployRouterApp(server)
        let connection = try TestConnection(port: server.port)
        try connection.sendRequest("GET", "/api/broken", host: "workers.localhost:\(server.port)")
        _ = try connection.readUntil("part-1\n")
        let all = String(decoding: try connection.readToEnd(), as: UTF8.self)
        #expect(all.contains("part-1"))
        // No last chunk: the client can tell the body broke off.
        #expect(!all.hasSuffix("\r\n0\r\n\r\n"), "\(all)")
        // The run is recorded as the connection closes: bounded retry, one read per 100 ms.
        var runs = try server.api("GET", "/apps/workers/runs").text
        for _ in 0..<50 where !runs.contains("the source broke") {
            usleep(100_000)
            runs = try server.api("GET", "/apps/workers/runs").text
        }
        #expect(runs.contains("the source broke"), "\(runs)")
    }

    @Test func abortControllerCancelsAFetch() throws {
        let slow = try LoopbackReceiver(.http)
        slow.respond { _ in
            // The upstream answers only after the app gave up on it.
            Thread.sleep(forTimeInterval: 3)
            return (200, "late")
        }
        let server = try ServerProcess(arguments: ["--allow-private-egress"])
        try Self.deployRouterApp(server)
        let target = "http://127.0.0.1:\(slow.port)/slow"
        let response = try server.app("workers", "/api/abort?target=\(target)")
        #expect(response.json["aborted"] as? Bool == true, "\(response.text)")
        #expect(response.json["name"] as? String == "AbortError")
        #expect((response.json["ms"] as? Int ?? 9999) < 2000)
        let timed = try server.app("workers", "/api/abort?timeout=1&target=\(target)")
        #expect(timed.json["name"] as? String == "TimeoutError", "\(timed.text)")
        #expect((timed.json["ms"] as? Int ?? 9999) < 2000)
    }

    @Test func functionIndexFilesStillAnswerOnlyTheirOwnPath() throws {
        let server = try ServerProcess()
        let deployed = try server.deploy(
            "classic",
            try ArchiveFixtures.zip([js("api/index.js", "module.exports = (req) => ({ at: req.path });")])
        )
        #expect(deployed.status == 201)
        #expect(try server.app("classic", "/api").json["at"] as? String == "/api")
        #expect(try server.app("classic", "/api/other").status == 404)
    }

    /// The same app as an ES module: runs once the deploy-time ES module transform is in (until
    /// then the deploy refuses ES modules and this test stops there).
    @Test func workersStyleESModuleApp() throws {
        let server = try ServerProcess()
        // A Workers-style ES module importing a relative module and a bundled library by name.
        let source = """
            import _ from "lodash";
            import { greet } from "./_greet.js";
            export default {
              async fetch(request, env, ctx) {
                const url = new URL(request.url);
                return Response.json({ text: greet(_.capitalize(url.searchParams.get("name"))), greeting: env.GREETING ?? null });
              },
            };
            """
        let deployed = try server.deploy(
            "esm",
            try ArchiveFixtures.zip([
                js("api/index.js", source),
                js("api/_greet.js", "export const greet = (name) => `hi ${name}`;"),
                ArchiveFixtures.file("fazt.json", #"{"env": {"GREETING": "hello"}}"#),
            ])
        )
        #expect(deployed.status == 201, "\(deployed.text)")
        let answer = try server.app("esm", "/api/anything?name=zed")
        #expect(answer.json["text"] as? String == "hi Zed", "\(answer.text)")
        #expect(answer.json["greeting"] as? String == "hello")
    }
}

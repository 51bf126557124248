import Foundation
import Testing

@testable import FaztRuntime

/// The web globals Workers-style code expects, and the Workers-style handler shape, in-process.
@Suite(.serialized) struct WebGlobalsTests {
    func json(_ body: String, _ request: [String: Any] = [:], env: [String: String] = [:]) throws -> [String: Any] {
        let answer = try PreludeHarness.invoke(
            files: ["api/main.js": "module.exports = async () => { \(body) };"],
            file: "api/main.js",
            request: request,
            env: env
        )
        return answer.json as? [String: Any] ?? ["unparsed": answer.text]
    }

    @Test func blobFileAndFormDataRoundTripThroughARequest() throws {
        let out = try json(
            """
            const blob = new Blob(["ab", new Uint8Array([99]), new Blob(["d"])], { type: "Text/Plain" });
            const file = new File(["x"], "f.txt", { type: "text/plain" });
            const form = new FormData();
            form.append("a", "1"); form.append("up", file); form.append("a", "2"); form.set("b", "3");
            form.append("raw", new Blob(["zz"]), "z.bin");
            const request = new Request("http://x/y", { method: "POST", body: form });
            const back = await request.formData();
            const encoded = await new Request("http://x/", { method: "POST", body: new URLSearchParams({ q: "a b" }) }).formData();
            return { blob: [blob.size, blob.type, await blob.text(), await blob.slice(1, 3).text()],
              file: [file.name, file.size, String(file instanceof Blob)], keys: [...form.keys()],
              type: request.headers.get("content-type").split(";")[0],
              back: [...back.getAll("a"), back.get("up").name, await back.get("up").text(), back.get("raw").name, back.get("b")],
              encoded: encoded.get("q") };
            """
        )
        #expect(out["blob"] as? [AnyHashable] == [4, "text/plain", "abcd", "bc"])
        #expect(out["file"] as? [AnyHashable] == ["f.txt", 1, "true"])
        #expect(out["keys"] as? [String] == ["a", "up", "a", "b", "raw"])
        #expect(out["type"] as? String == "multipart/form-data")
        #expect(out["back"] as? [String] == ["1", "2", "f.txt", "x", "z.bin", "3"])
        #expect(out["encoded"] as? String == "a b")
    }

    @Test func formDataRefusesBodiesThatAreNotForms() throws {
        let out = try json(
            "try { await new Request('http://x/', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }).formData(); return {}; } catch (e) { return { error: e.message }; }"
        )
        #expect(
            out["error"] as? String
                == "formData: the body is application/json; send it as application/x-www-form-urlencoded or multipart/form-data"
        )
    }

    @Test func responsesRedirectCloneAndSortHeaders() throws {
        let out = try json(
            """
            const redirect = Response.redirect("https://example.com/x", 301);
            let refused = null;
            try { Response.redirect("/x", 200); } catch (e) { refused = e.constructor.name + ": " + e.message; }
            const original = new Response("hello");
            const copy = original.clone();
            return { redirect: [redirect.status, redirect.headers.get("location")], refused,
              clone: [await original.text(), await copy.text()], headers: [...new Headers({ b: "2", a: "1" })],
              json: await Response.json({ k: 1 }, { status: 201 }).json() };
            """
        )
        #expect(out["redirect"] as? [AnyHashable] == [301, "https://example.com/x"])
        #expect(
            out["refused"] as? String
                == "RangeError: Response.redirect: status must be 301, 302, 303, 307 or 308, not 200"
        )
        #expect(out["clone"] as? [String] == ["hello", "hello"])
        #expect(out["headers"] as? [[String]] == [["a", "1"], ["b", "2"]])
        #expect((out["json"] as? [String: Int]) == ["k": 1])
    }

    @Test func urlPatternMatchesPathnameAndSearchGroups() throws {
        let out = try json(
            """
            const optional = new URLPattern({ pathname: "/books/:id?" });
            const files = new URLPattern({ pathname: "/files/*", search: "v=:v" }).exec("http://x/files/a/b?v=3");
            const host = new URLPattern("https://:sub.example.com/x/:rest+").exec("https://api.example.com/x/1/2");
            return { optional: [String(optional.test("http://x/books")), optional.exec("http://x/books/7").pathname.groups.id,
                String(optional.test("http://x/books/7/8"))],
              files: [files.pathname.groups["0"], files.search.groups.v], host: [host.hostname.groups.sub, host.pathname.groups.rest],
              relative: new URLPattern("/api/:a{/:b}?", "http://h").exec("http://h/api/1/2").pathname.groups };
            """
        )
        #expect(out["optional"] as? [String] == ["true", "7", "false"])
        #expect(out["files"] as? [String] == ["a/b", "3"])
        #expect(out["host"] as? [String] == ["api", "1/2"])
        #expect((out["relative"] as? [String: String]) == ["a": "1", "b": "2"])
    }

    @Test func readableStreamsReadIterateAndTee() throws {
        let out = try json(
            """
            const parts = [];
            for await (const x of ReadableStream.from(["a", "b", "c"])) parts.push(x);
            let n = 0;
            const pulled = new ReadableStream({ pull(c) { n += 1; if (n <= 2) c.enqueue(new TextEncoder().encode("p" + n)); else c.close(); } });
            const [left, right] = new Response("tee me").body.tee();
            return { from: parts.join(""), pulled: await new Response(pulled).text(),
              tee: [await new Response(left).text(), await new Response(right).text()] };
            """
        )
        #expect(out["from"] as? String == "abc")
        #expect(out["pulled"] as? String == "p1p2")
        #expect(out["tee"] as? [String] == ["tee me", "tee me"])
    }

    @Test func abortingRejectsAPendingFetch() throws {
        let out = try json(
            """
            const controller = new AbortController();
            let heard = 0;
            controller.signal.addEventListener("abort", () => heard++);
            const pending = fetch("http://example.com/slow", { signal: controller.signal }).then(() => "resolved", (e) => e.name);
            controller.abort();
            const early = await fetch("http://example.com/", { signal: AbortSignal.abort() }).catch((e) => e.name);
            return { pending: await pending, heard, early };
            """
        )
        #expect(out["pending"] as? String == "AbortError")
        #expect(out["heard"] as? Int == 1)
        #expect(out["early"] as? String == "AbortError")
    }

    @Test func workersStyleFetchGetsAWebRequestAndEnv() throws {
        for exports in [
            "exports.default = { fetch }", "module.exports = { default: { fetch } }", "module.exports = { fetch }",
        ] {
            let answer = try PreludeHarness.invoke(
                files: [
                    "api/main.js": """
                    async function fetch(request, env, ctx) {
                      const url = new URL(request.url);
                      return Response.json({ method: request.method, path: url.pathname, q: url.searchParams.get("q"),
                        body: await request.json(), type: request.headers.get("content-type"), key: env.KEY ?? null,
                        missing: env.NOPE ?? null, wait: typeof ctx.waitUntil });
                    }
                    \(exports);
                    """
                ],
                file: "api/main.js",
                request: [
                    "method": "POST", "url": "http://app.localhost/api/x/y?q=1", "body": #"{"n":1}"#,
                    "headers": ["content-type": "application/json"],
                ],
                env: ["KEY": "secret-ish"]
            )
            let out = answer.json as? [String: Any]
            #expect(out?["method"] as? String == "POST", "\(exports): \(answer.text)")
            #expect(out?["path"] as? String == "/api/x/y")
            #expect(out?["q"] as? String == "1")
            #expect((out?["body"] as? [String: Int]) == ["n": 1])
            #expect(out?["type"] as? String == "application/json")
            #expect(out?["key"] as? String == "secret-ish")
            #expect(out?["missing"] is NSNull)
            #expect(out?["wait"] as? String == "function")
        }
    }

    @Test func waitUntilSendsTheResponseBeforeItsWorkEnds() throws {
        let responses = ResponseRecorder()
        let answer = try PreludeHarness.invoke(
            files: [
                "api/main.js": """
                exports.default = { fetch(request, env, ctx) {
                  ctx.waitUntil(Promise.resolve().then(() => console.log("later")));
                  return new Response("sent", { status: 202 });
                } };
                """
            ],
            file: "api/main.js",
            request: [:],
            responses: responses
        )
        #expect(responses.parts == ["whole 202 sent"])
        #expect(answer.status == 202)
    }

    @Test func streamBodiesLeaveChunkByChunk() throws {
        let responses = ResponseRecorder()
        _ = try PreludeHarness.invoke(
            files: [
                "api/main.js": """
                exports.default = { fetch() {
                  return new Response(new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue(new Uint8Array([98])); c.close(); } }));
                } };
                """
            ],
            file: "api/main.js",
            request: [:],
            responses: responses
        )
        #expect(responses.parts == ["head 200", "chunk a", "chunk b", "end"])
    }

    @Test func readsWhichFilesMayBeWorkersStyle() {
        let workers = [
            "export default { async fetch(request) { return new Response('x'); } };",
            "const app = new Router();\nexport default app;",
            "exports.default = app;",
            "module.exports = { fetch };",
            "module.exports = { default: { fetch } };",
        ]
        for source in workers { #expect(HandlerRouter.mayBeWorkersStyle(source: source), "\(source)") }
        let classic = [
            "module.exports = (req) => 1;",
            "exports.GET = () => 1;",
            "export default function (req) { return 1; }",
            "exports.default = async (req) => 1;",
            "respond({ ok: true });",
        ]
        for source in classic { #expect(!HandlerRouter.mayBeWorkersStyle(source: source), "\(source)") }
    }

    @Test func workersStyleIndexAnswersTheWholeAPISpace() {
        let files = ["api/index.js", "api/users.js"]
        let router = HandlerRouter(files: files) { _ in "export default app;" }
        #expect(router.route(for: "/api/anything/deep")?.file == "api/index.js")
        #expect(router.route(for: "/api/anything/deep")?.mayRespondEarly == true)
        #expect(router.route(for: "/api/users/7")?.file == "api/users.js")
        let classic = HandlerRouter(files: files) { _ in "module.exports = () => 1;" }
        #expect(classic.route(for: "/api/anything/deep") == nil)
        #expect(classic.route(for: "/api")?.mayRespondEarly == false)
        let withMain = HandlerRouter(files: files + ["api/main.js"]) { _ in "export default app;" }
        #expect(withMain.route(for: "/api/anything")?.file == "api/main.js")
    }
}

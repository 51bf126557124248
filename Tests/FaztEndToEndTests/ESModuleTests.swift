import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// ES modules and TypeScript in `api/` (issue 19): transformed at deploy, run like CommonJS.
@Suite struct ESModuleTests {
    static let typed = """
        interface Item { id: number; name: string }
        enum Level { Low = 1, High = 10 }
        type Box<T> = { value: T };
        function wrap<T>(value: T): Box<T> { return { value }; }
        class Shelf<T extends Item> {
          private items: T[] = [];
          add(item: T): this { this.items.push(item); return this; }
          get count(): number { return this.items.length; }
        }
        export function GET(req: Request): Box<number> & { level: Level; count: number } {
          const shelf = new Shelf<Item>().add({ id: 1, name: "a" }).add({ id: 2, name: "b" });
          return { ...wrap<number>(7), level: Level.High, count: shelf.count };
        }
        """

    static let failing = """
        interface Nothing {
          a: string;
        }
        type Alias = Nothing;

        export function GET(req: Request): never {
          const n: Alias = { a: "x" };
          throw new Error("typed failure " + n.a);
        }
        """

    static let files = [
        js(
            "api/_lib/helper.ts",
            "export function helper(name: string): string { return `hi ${name}`; }\nexport const answer: number = 42;"
        ),
        js(
            "api/esm.js",
            """
            import _ from "lodash";
            import { helper, answer } from "./_lib/helper.js";
            export default async function (req) {
              return { chunks: _.chunk([1, 2, 3, 4], 2), hello: helper("esm"), answer };
            }
            """
        ),
        js(
            "api/methods.mjs",
            "export function GET(req) { return { method: req.method }; }\nexport async function POST(req) { return { method: 'POST' }; }"
        ),
        js("api/typed.ts", typed),
        js("api/fail.ts", failing),
        js("api/_cjs.js", "module.exports = { kind: 'cjs', add: (a, b) => a + b };"),
        js("api/_esm.mjs", "export const kind = 'esm';\nexport default function double(x) { return x * 2; }"),
        js(
            "api/requires-esm.js",
            "const esm = require('./_esm.mjs');\nmodule.exports = () => ({ kind: esm.kind, double: esm.default(21), esModule: esm.__esModule === true });"
        ),
        js(
            "api/imports-cjs.ts",
            "import cjs from './_cjs.js';\nimport { add } from './_cjs.js';\nexport const GET = () => ({ kind: cjs.kind, sum: add(2, 3) });"
        ),
        js("api/_slow.mjs", "export const ready = await new Promise((r) => setTimeout(() => r('dep-ready'), 5));"),
        js(
            "api/requires-tla.js",
            "module.exports = () => { try { require('./_slow.mjs'); return 'loaded'; } catch (e) { return e.code; } };"
        ),
        js(
            "api/tla.mjs",
            "import { ready } from './_slow.mjs';\nconst config = await Promise.resolve({ loaded: true });\nexport default () => ({ config, ready });"
        ),
        js("api/meta.ts", "export const GET = (): { url: string } => ({ url: import.meta.url });"),
        js(
            "api/libs.mjs",
            """
            import * as cheerio from "cheerio";
            import { marked } from "marked";
            export default { GET: () => ({ title: cheerio.load("<h1>T</h1>")("h1").text(), html: marked.parse("**b**").trim() }) };
            """
        ),
        js("api/plain.js", "module.exports = (req) => ({ plain: true, words: 'import x from y; export default z' });"),
    ]

    @Test func esModulesAndTypeScriptRunAfterADeploy() throws {
        let server = try ServerProcess()
        let deployed = try server.deploy("mods", try ArchiveFixtures.zip(Self.files))
        #expect(deployed.status == 201, "\(deployed.text)")
        let esm = try server.app("mods", "/api/esm")
        #expect(esm.status == 200, "\(esm.text)")
        #expect(esm.json["hello"] as? String == "hi esm" && esm.json["answer"] as? Int == 42)
        #expect(esm.json["chunks"] as? [[Int]] == [[1, 2], [3, 4]])
        #expect(try server.app("mods", "/api/methods").json["method"] as? String == "GET")
        #expect(try server.app("mods", "/api/methods", method: "POST").json["method"] as? String == "POST")
        #expect(try server.app("mods", "/api/methods", method: "DELETE").status == 405)
        let typed = try server.app("mods", "/api/typed")
        #expect(typed.status == 200, "\(typed.text)")
        #expect(
            typed.json["value"] as? Int == 7 && typed.json["level"] as? Int == 10 && typed.json["count"] as? Int == 2
        )
        let required = try server.app("mods", "/api/requires-esm")
        #expect(required.json["kind"] as? String == "esm" && required.json["double"] as? Int == 42, "\(required.text)")
        #expect(required.json["esModule"] as? Bool == true)
        let imported = try server.app("mods", "/api/imports-cjs")
        #expect(imported.json["kind"] as? String == "cjs" && imported.json["sum"] as? Int == 5, "\(imported.text)")
        // require() of a module that awaits at top level fails as in Node; an import waits for it.
        #expect(try server.app("mods", "/api/requires-tla").text == "ERR_REQUIRE_ASYNC_MODULE")
        let tla = try server.app("mods", "/api/tla")
        #expect(tla.json["ready"] as? String == "dep-ready", "\(tla.text)")
        #expect((tla.json["config"] as? [String: Any])?["loaded"] as? Bool == true)
        #expect(try server.app("mods", "/api/meta").json["url"] as? String == "file:///api/meta.ts")
        let libs = try server.app("mods", "/api/libs")
        #expect(
            libs.json["title"] as? String == "T" && libs.json["html"] as? String == "<p><strong>b</strong></p>",
            "\(libs.text)"
        )
        let plain = try server.app("mods", "/api/plain")
        #expect(plain.status == 200 && plain.json["plain"] as? Bool == true)
    }

    @Test func anErrorInATypeScriptHandlerNamesItsTypeScriptLine() throws {
        let server = try ServerProcess()
        let files = [js("api/fail.ts", Self.failing), ArchiveFixtures.file("fazt.json", #"{"debug": true}"#)]
        #expect(try server.deploy("typed", try ArchiveFixtures.zip(files)).status == 201)
        let failed = try server.app("typed", "/api/fail")
        #expect(failed.status == 500)
        #expect(failed.json["where"] as? String == "api/fail.ts:8", "\(failed.text)")
        var messages: [String] = []
        for _ in 0..<100 where !messages.contains(where: { $0.contains("typed failure") }) {
            let logs = try server.api("GET", "/apps/typed/logs").json["logs"] as? [[String: Any]] ?? []
            messages = logs.compactMap { $0["message"] as? String }
            usleep(20_000)
        }
        let logged = messages.first { $0.contains("typed failure") } ?? ""
        // Line 8 of the .ts file; the generated CommonJS has it on line 6.
        #expect(logged.contains("api/fail.ts:8"), "\(messages)")
        #expect(!logged.contains("api/fail.ts:6"), "\(messages)")
    }

    @Test func aTypeScriptSyntaxErrorRefusesTheDeployNamingFileLineAndColumn() throws {
        let server = try ServerProcess()
        let source = "export function GET() {\n  return 1;\n}\nconst value: number = ;\n"
        let response = try server.deploy("broken", try ArchiveFixtures.zip([js("api/bad.ts", source)]))
        #expect(response.status == 400, "\(response.text)")
        let error = response.json["error"] as? [String: Any]
        let message = error?["message"] as? String ?? ""
        #expect(message.hasPrefix("api/bad.ts:4:23: SyntaxError: Expression expected"), "\(message)")
        #expect(try server.api("GET", "/apps/broken").status == 404, "nothing was deployed")
    }
}

/// The deploy's transform is what requests run: stored per source hash, read at first load.
@Suite struct ModuleCacheTests {
    @Test func theDeployStoresTransformsAndRequestsRunTheStoredCode() throws {
        let server = try ServerProcess()
        let files = [
            js("api/meta.ts", "export const GET = (): { url: string } => ({ url: import.meta.url });"),
            js("api/plain.js", "module.exports = () => 'plain';"),
        ]
        #expect(try server.deploy("cached", try ArchiveFixtures.zip(files)).status == 201)
        let connection = try Connection(path: server.dataPath, readOnly: false)
        let rows = try connection.query("SELECT code FROM module_cache") { $0.string(0) }
        #expect(rows.count == 1, "only the TypeScript file is transformed")
        #expect(rows.first?.contains("exports.GET") == true)
        // Replace the stored transform: the first request must run it, not transform again.
        _ = try connection.run(
            "UPDATE module_cache SET code = ?",
            [.text("\"use strict\";\nexports.GET = () => ({ url: \"from the cache\" });\n")]
        )
        #expect(try server.app("cached", "/api/meta").json["url"] as? String == "from the cache")
        #expect(try server.app("cached", "/api/plain").text == "plain")
        // A redeploy reuses the transform of unchanged bytes (one edit, one transform).
        let next = files + [js("api/other.ts", "export const GET = (): number => 2;")]
        #expect(try server.deploy("cached", try ArchiveFixtures.zip(next)).status == 201)
        #expect(try server.app("cached", "/api/meta").json["url"] as? String == "from the cache")
        #expect(try server.app("cached", "/api/other").text == "2")
        #expect(try connection.query("SELECT count(*) FROM module_cache") { $0.int(0) }.first == 2)
    }
}

/// Job handlers may be TypeScript too, outside `api/` (transformed when a worker first loads them).
@Suite struct ModuleJobTests {
    @Test func aTypeScriptJobOutsideAPIRunsItsScheduledExport() throws {
        let server = try ServerProcess()
        let files = [
            js(
                "api/start.ts",
                "export async function POST(): Promise<unknown> {\n  return fazt.schedule(0, { n: 21 }, { handler: \"jobs/tick.ts\" });\n}"
            ),
            js(
                "jobs/tick.ts",
                "interface State { n: number }\nexport async function scheduled(state: State): Promise<void> {\n  await fazt.storage.kv.set(\"tick\", state.n * 2);\n}"
            ),
            js("api/read.ts", "export const GET = async () => ({ tick: await fazt.storage.kv.get(\"tick\") });"),
            ArchiveFixtures.file("fazt.json", #"{"debug": true}"#),
        ]
        #expect(try server.deploy("jobs", try ArchiveFixtures.zip(files)).status == 201)
        let started = try server.app("jobs", "/api/start", method: "POST")
        #expect(started.status == 200, "\(started.text)")
        var tick: Int?
        for _ in 0..<250 where tick == nil {
            tick = try server.app("jobs", "/api/read").json["tick"] as? Int
            if tick == nil { usleep(20_000) }
        }
        #expect(tick == 42)
    }
}

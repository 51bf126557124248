import Testing

@testable import FaztRuntime

/// Reading a handler's exports from its source: sure mistakes are named, anything uncertain passes.
@Suite struct HandlerShapeTests {
    func route(_ source: String) -> String? {
        HandlerShape.routeProblem(path: "api/x.js", source: source)
    }

    @Test func namesLowerCaseMethodExports() {
        #expect(
            route("exports.get = async (req) => 'hi';")
                == "api/x.js: did you mean exports.GET? (method handlers are upper-case)"
        )
        #expect(
            route("module.exports = { post(req) { return 1; } };")
                == "api/x.js: did you mean exports.POST? (method handlers are upper-case)"
        )
    }

    @Test func namesObjectsWithoutAHandler() {
        let message = "api/x.js: module.exports has no handler: export a function, or GET/POST/… functions"
        #expect(route("async function handle(req) { return 1; }\nmodule.exports = {handle};") == message)
        #expect(route("module.exports = { handler: async () => 1 };") == message)
        #expect(route("exports.helper = 1;") == message)
    }

    @Test func acceptsWorkersStyleExports() {
        #expect(route("module.exports = { fetch(request, env, ctx) { return new Response('x'); } };") == nil)
        #expect(route("exports.default = { fetch };") == nil)
        #expect(route("module.exports = { default: { fetch } };") == nil)
    }

    @Test func readsESModuleExportsLikeTheirCommonJSEquivalents() {
        for source in [
            "export default async function (req) { return 1; }",
            "export default (req) => 1;",
            "export default { GET(req) { return 1; }, async POST(req) { return 2; } };",
            "export function GET(req) { return 1; }",
            "export async function POST(req: Request): Promise<Response> { return new Response('x'); }",
            "export const GET = async (req) => 1;",
            "const handler = () => 1;\nexport { handler as GET };",
            "export { GET } from './_impl.js';",
            "export * from './_routes.js';",
            "import { h } from './_h.js';\nexport default h;",
        ] {
            #expect(route(source) == nil, "\(source)")
            #expect(HandlerShape(source: source).esModule, "\(source)")
        }
        #expect(
            route("export const get = () => 1;")
                == "api/x.js: did you mean exports.GET? (method handlers are upper-case)"
        )
        #expect(
            route("export function helper() {}\nexport interface X { a: number }")
                == "api/x.js: module.exports has no handler: export a function, or GET/POST/… functions"
        )
        #expect(HandlerShape(source: "module.exports = () => import.meta.url;").esModule)
        #expect(!HandlerShape(source: "const m = await import('./x.js'); module.exports = () => m;").esModule)
        #expect(!HandlerShape(source: "module.exports = { exportData() {} }; // export default").esModule)
    }

    @Test func readsESModuleKernelExports() {
        func job(_ source: String) -> String? {
            HandlerShape.kernelProblem(path: "jobs/x.ts", source: source, function: "scheduled")
        }
        #expect(job("export async function scheduled(state: unknown) {}") == nil)
        #expect(job("export default { async scheduled(state) {} };") == nil)
        #expect(job("export function GET() {}") != nil)
    }

    @Test func acceptsHandlersAndWhatItCannotFollow() {
        for source in [
            "module.exports = async (req) => ({ ok: true });",
            "module.exports = req => 1;",
            "module.exports = function (req) { return 1; };",
            "exports.GET = () => 'got'; exports.POST = async (req) => req.body;",
            "module.exports = { GET, async POST(req) { return 1; } };",
            "module.exports = { default: () => 1 };",
            "const h = require('./_h'); module.exports = h;",
            "Object.assign(exports, require('./_routes'));",
            "module.exports = { ...require('./_base') };",
            "module.exports = { 'GET': () => 1 };",
            // Script form: top-level code answering through `respond` or its completion value.
            "if (!request.query.a) { return respond(400, 'no'); }\nrespond('ok');",
            "({ hello: request.query.name })",
            "exports.get = 1; respond('still script form');",
        ] {
            #expect(route(source) == nil, "\(source)")
        }
    }

    @Test func ignoresWordsInStringsCommentsAndTemplates() {
        #expect(route("// export default x\nmodule.exports = () => `export ${'default'} ${ {a: 1}.a }`;") == nil)
        #expect(route("/* exports.get = 1 */ const re = /exports.get = /; module.exports = () => re;") == nil)
        #expect(route("const s = \"export default\"; module.exports = { GET: () => s };") == nil)
    }

    @Test func socketHandlersMustExportAnEvent() {
        func socket(_ source: String) -> String? {
            HandlerShape(source: source).socketProblem(path: "api/_socket.js")
        }
        #expect(socket("exports.open = (ws) => true;") == nil)
        #expect(socket("module.exports = { message(ws, data) {}, close() {} };") == nil)
        #expect(socket("module.exports = handlers;") == nil, "cannot follow: passes")
        #expect(
            socket("module.exports = { onMessage(ws) {} };")
                == "api/_socket.js: a socket handler exports open(ws, req), message(ws, data) or close(ws, code, reason)"
        )
    }

    @Test func jobHandlersMustExportScheduled() {
        func job(_ source: String) -> String? {
            HandlerShape.kernelProblem(path: "jobs/x.js", source: source, function: "scheduled")
        }
        #expect(
            job("exports.GET = () => 1;")
                == "jobs/x.js does not export scheduled(): add module.exports = { async scheduled(state, job) { … } }"
        )
        #expect(job("console.log('nothing exported');") != nil)
        #expect(job("exports.scheduled = async (state) => state;") == nil)
        #expect(job("module.exports = { async scheduled(state, job) {} };") == nil)
        #expect(job("module.exports = async (state) => state;") == nil)
        #expect(job("module.exports = require('./impl');") == nil)
    }
}

import Testing

@testable import FaztRuntime

/// ES modules and TypeScript into CommonJS (`ts.transpileModule`, embedded at build time).
@Suite(.serialized) struct ModuleTransformerTests {
    /// Transforms on a thread JavaScriptCore can use (see `PreludeHarness`).
    static func transform(_ path: String, _ source: String) throws -> Result<CompiledModule, ModuleTransformError> {
        try PreludeHarness.onJavaScriptThread {
            try ModuleTransformer(engine: JSEngine()).transform(path: path, source: source)
        }
    }

    static func compile(_ path: String, _ source: String) throws -> CompiledModule {
        try transform(path, source).get()
    }

    @Test func onlyModulesThatNeedItAreTransformed() {
        #expect(!ModuleTransformer.needsTransform(path: "api/x.js", source: "module.exports = () => 1;"))
        #expect(
            !ModuleTransformer.needsTransform(path: "api/x.js", source: "// import x from 'y'\nexports.GET = () => 1;")
        )
        #expect(ModuleTransformer.needsTransform(path: "api/x.js", source: "export default () => 1;"))
        #expect(ModuleTransformer.needsTransform(path: "api/x.js", source: "import _ from 'lodash';"))
        #expect(ModuleTransformer.needsTransform(path: "api/x.ts", source: "module.exports = () => 1;"))
        #expect(ModuleTransformer.needsTransform(path: "api/x.mjs", source: ""))
        #expect(ModuleTransformer.needsTransform(path: "api/x.mts", source: ""))
        #expect(!ModuleTransformer.needsTransform(path: "api/types.d.ts", source: "export interface X {}"))
    }

    @Test func stripsTypesAndTurnsExportsIntoCommonJS() throws {
        let module = try Self.compile(
            "api/x.ts",
            """
            import type { Thing } from "./_types.js";
            import _ from "lodash";
            interface User { name: string }
            enum Color { Red, Green = "g" }
            export function GET<T>(req: T): User { return { name: _.upperFirst("x") }; }
            export default { color: Color.Green };
            """
        )
        #expect(module.code.contains("exports.GET = GET"))
        #expect(module.code.contains("exports.default ="))
        #expect(module.code.contains("__esModule"))
        #expect(module.code.contains("require(\"lodash\")"))
        #expect(!module.code.contains("interface") && !module.code.contains("_types"))
        #expect(module.imports == ["lodash"], "type-only imports are left out")
        #expect(module.hash.count == 32)
    }

    @Test func keepsEveryImportOfJavaScript() throws {
        let module = try Self.compile("api/x.mjs", "import unused from './_side.js';\nexport const x = 1;")
        #expect(module.code.contains("require(\"./_side.js\")"))
        #expect(module.imports == ["./_side.js"])
    }

    @Test func mapsEachGeneratedLineToItsSourceLine() throws {
        let source = """
            interface Nothing {
              a: string;
            }
            type Alias = Nothing;

            export function GET(req: Request): never {
              const n: Alias = { a: "x" };
              throw new Error("typed failure " + n.a);
            }
            """
        let module = try Self.compile("api/fail.ts", source)
        let lines = module.code.split(separator: "\n", omittingEmptySubsequences: false)
        let generated = try #require(lines.firstIndex { $0.contains("throw new Error") }) + 1
        #expect(generated != 8)
        #expect(module.sourceLine(generated) == 8)
        #expect(module.sourceLine(10_000) == 10_000)
    }

    @Test func namesSyntaxErrorsByLineAndColumn() throws {
        let result = try Self.transform("api/bad.ts", "export function GET() {\n  return 1;\n}\nconst v: number = ;\n")
        guard case .failure(let error) = result else {
            Issue.record("expected a syntax error")
            return
        }
        #expect(error.location == "api/bad.ts:4:19")
        #expect(error.message == "Expression expected.")
        // TypeScript syntax in a JavaScript file is an error too.
        let typed = try Self.transform("api/x.js", "export const x: number = 1;")
        #expect((try? typed.get()) == nil)
    }

    @Test func rewritesImportMetaWithoutMovingLines() throws {
        let module = try Self.compile("api/meta.ts", "export const url = import.meta.url;\n")
        #expect(!module.code.contains("import.meta"))
        #expect(module.code.hasPrefix("\"use strict\";var __fazt_meta = { url: \"file:///\" + __filename"))
        #expect(module.sourceLine(1) == 1)
    }
}

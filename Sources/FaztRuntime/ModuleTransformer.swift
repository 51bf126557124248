import CJavaScriptCore
import FaztVFS
import Foundation

/// An ES module or TypeScript file turned into CommonJS, as cached per source hash.
public struct CompiledModule: Codable, Sendable, Equatable {
    public var path: String
    /// SHA-256 of the source: the hash of the file's blob.
    public var hash: [UInt8]
    /// CommonJS code for the runtime's function wrapper (`exports`, `require`, `module`, …).
    public var code: String
    /// The source line (1-based) of each generated line.
    public var lines: [Int]
    /// Static import specifiers, in source order (type-only imports left out).
    public var imports: [String]

    public init(path: String, hash: [UInt8], code: String, lines: [Int], imports: [String]) {
        self.path = path
        self.hash = hash
        self.code = code
        self.lines = lines
        self.imports = imports
    }

    /// Names the transform that made cached modules (the compiler and the driver).
    public static var transformIdentity: String { ModuleTransformer.identity }

    /// The source line of generated `line` (itself when the map does not cover it).
    func sourceLine(_ line: Int) -> Int {
        line >= 1 && line <= lines.count ? lines[line - 1] : line
    }
}

/// Why a module could not be transformed.
enum ModuleTransformError: Error, Equatable {
    /// The source does not parse: `path:line:column`.
    case syntax(path: String, line: Int, column: Int, message: String)
    /// This build has no TypeScript compiler, or it failed to load.
    case unavailable(String)

    var location: String? {
        if case .syntax(let path, let line, let column, _) = self { return "\(path):\(line):\(column)" }
        return nil
    }

    var message: String {
        switch self {
        case .syntax(_, _, _, let message): return message
        case .unavailable(let message): return message
        }
    }
}

/// Turns ES modules (`import`/`export`, `import.meta`) and TypeScript into CommonJS with
/// Debian's TypeScript compiler (`ts.transpileModule`: types stripped, never checked), embedded
/// in the binary at build time.
///
/// Runs in worker processes only, on their JavaScript thread, in a context of its own (app code
/// never sees the compiler). Deploys transform every module under `api/` once and the daemon caches
/// the output by source hash (`module_cache`), so requests never pay; a module the cache misses
/// is transformed on first load.
final class ModuleTransformer {
    /// Names the compiler and the driver: cached output of another transform is never used.
    static let identity = "esm-1/" + String(BundledSources.typescriptGzip?.count ?? 0)

    private let context: JSContext
    private let function: JSObjectRef

    /// Loads the compiler into a new context of `engine` (about a quarter of a second).
    init(engine: JSEngine) throws(ModuleTransformError) {
        guard let encoded = BundledSources.typescriptGzip, let gzip = Data(base64Encoded: encoded),
            let source = Gzip.decompress(Array(gzip))
        else {
            throw .unavailable(
                "ES modules and TypeScript need the TypeScript compiler, which was not bundled into this build "
                    + "of fazt (install Debian's node-typescript and rebuild), or use CommonJS: module.exports = …"
            )
        }
        let context = JSContext(engine: engine, name: "fazt:transform")
        do {
            let wrapped = "(function (module, exports) {" + String(decoding: source, as: UTF8.self) + "\n})"
            guard let body = context.object(try context.evaluate(wrapped, sourceURL: "fazt:ts")) else {
                throw JSException(message: "cannot evaluate the compiler")
            }
            // Reachable from the global object before the next allocation, so the collector keeps it.
            let module = JSObjectMake(context.ref, nil, nil)
            guard let module else { throw JSException(message: "cannot create the compiler's module") }
            context.set(context.globalObject, "__fazt_ts_module", module)
            context.set(module, "exports", JSObjectMake(context.ref, nil, nil))
            try context.call(body, [module, context.property(module, "exports")])
            context.set(context.globalObject, "__fazt_ts", context.property(module, "exports"))
            try context.evaluate(Self.driver, sourceURL: "fazt:transform")
        } catch {
            throw .unavailable("cannot load the TypeScript compiler: \(error)")
        }
        guard let function = context.object(context.global("__fazt_transform")) else {
            throw .unavailable("cannot load the TypeScript compiler")
        }
        JSValueProtect(context.ref, function)
        self.context = context
        self.function = function
    }

    deinit { JSValueUnprotect(context.ref, function) }

    /// Whether `path` must be transformed before JavaScriptCore can run it: TypeScript and `.mjs`
    /// always, a `.js` file only when it uses `import`/`export` at top level or `import.meta`.
    ///
    /// CommonJS files stay untouched and cost nothing but this reading.
    static func needsTransform(path: String, source: String) -> Bool {
        if isDeclaration(path) { return false }
        if path.hasSuffix(".ts") || path.hasSuffix(".mts") || path.hasSuffix(".mjs") { return true }
        guard path.hasSuffix(".js"), source.contains("import") || source.contains("export") else { return false }
        return HandlerShape(source: source).esModule
    }

    /// A TypeScript declaration file (`.d.ts`): types only, never run.
    static func isDeclaration(_ path: String) -> Bool {
        path.hasSuffix(".d.ts") || path.hasSuffix(".d.mts")
    }

    /// Transforms one module; a syntax error names `path:line:column`.
    func transform(path: String, source: String) -> Result<CompiledModule, ModuleTransformError> {
        let answer: String
        do {
            let value = try context.call(
                function,
                making: { self.context.string(path) },
                { self.context.string(source) }
            )
            answer = context.toString(value)
        } catch {
            return .failure(.unavailable("the TypeScript compiler failed on \(path): \(error.message)"))
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: Data(answer.utf8)) else {
            return .failure(.unavailable("the TypeScript compiler answered nothing for \(path)"))
        }
        if let error = reply.error {
            return .failure(.syntax(path: path, line: error.line, column: error.column, message: error.message))
        }
        let hash = ContentHash(of: Array(source.utf8)).bytes
        return .success(
            CompiledModule(
                path: path,
                hash: hash,
                code: reply.code ?? "",
                lines: reply.lines ?? [],
                imports: reply.imports ?? []
            )
        )
    }

    private struct Reply: Decodable {
        struct Problem: Decodable {
            var line: Int
            var column: Int
            var message: String
        }
        var code: String?
        var lines: [Int]?
        var imports: [String]?
        var error: Problem?
    }
}

import FaztStore
import FaztVFS
import Foundation

extension WorkerRuntime {
    /// Parses each source as a script, or else as a function body; reports what parses as neither
    /// (`syntax_error`), and route files (and `api/_socket.js`) whose exports are surely not a
    /// handler (`bad_handler`).
    ///
    /// Script-form handlers may `return` and `await` at top level, hence the function-body tries.
    /// ES modules and TypeScript are transformed first (a syntax error names `file:line:column`);
    /// their output comes back in `modules` for the daemon to cache. Runs nothing: the exports are
    /// read from the source (`HandlerShape`). Files and folders starting with `_` are helpers, not
    /// routes, so only their syntax is checked.
    func check(_ message: WorkerFrame.Check) -> WorkerFrame {
        let context = JSContext(engine: engine, name: "fazt:check")
        var problems: [ScriptProblem] = []
        var modules: [CompiledModule] = []
        for script in message.sources where !ModuleTransformer.isDeclaration(script.path) {
            let isRoute = script.path.split(separator: "/").dropFirst().allSatisfy {
                !$0.hasPrefix("_") && !$0.hasPrefix(".")
            }
            let shape = HandlerShape(source: script.source)
            if ModuleTransformer.needsTransform(path: script.path, source: script.source) {
                // A file an earlier deploy transformed (same bytes) is not transformed again: a
                // redeploy after one edit transforms one file.
                let hash = ContentHash(of: Array(script.source.utf8)).bytes
                if let cached = Self.cachedModule(database, hash: hash, path: script.path) {
                    modules.append(cached)
                } else {
                    switch transform(path: script.path, source: script.source) {
                    case .success(let module):
                        let sync = AppContext.functionBody(module.code, async: false)
                        if context.syntaxError(sync, sourceURL: script.path) != nil,
                            let error = context.syntaxError(
                                AppContext.functionBody(module.code, async: true),
                                sourceURL: script.path
                            )
                        {
                            problems.append(
                                ScriptProblem(path: script.path, location: error.location, message: error.message)
                            )
                            continue
                        }
                        modules.append(module)
                    case .failure(let error):
                        problems.append(
                            ScriptProblem(
                                path: script.path,
                                location: error.location,
                                message: error.location == nil ? error.message : "SyntaxError: \(error.message)"
                            )
                        )
                        continue
                    }
                }
            } else if context.syntaxError(script.source, sourceURL: script.path) != nil,
                context.syntaxError(AppContext.functionBody(script.source, async: false), sourceURL: script.path)
                    != nil,
                let error = context.syntaxError(
                    AppContext.functionBody(script.source, async: true),
                    sourceURL: script.path
                )
            {
                problems.append(ScriptProblem(path: script.path, location: error.location, message: error.message))
                continue
            }
            if isRoute, let problem = shape.handlerProblem(path: script.path) {
                problems.append(ScriptProblem(path: script.path, message: problem, code: "bad_handler"))
            }
            if script.path == "api/_socket.js", let problem = shape.socketProblem(path: script.path) {
                problems.append(ScriptProblem(path: script.path, message: problem, code: "bad_handler"))
            }
        }
        return .checked(WorkerFrame.Checked(id: message.id, problems: problems, modules: modules))
    }

    /// Transforms an ES module or TypeScript file with this worker's compiler (loaded once).
    func transform(path: String, source: String) -> Result<CompiledModule, ModuleTransformError> {
        if transformer == nil {
            do throws(ModuleTransformError) {
                transformer = .success(try ModuleTransformer(engine: engine))
            } catch {
                transformer = .failure(error)
            }
        }
        switch transformer {
        case .success(let compiler): return compiler.transform(path: path, source: source)
        case .failure(let error): return .failure(error)
        case nil: return .failure(.unavailable("no module transformer"))
        }
    }

    /// The transform of a source with `hash` from `module_cache` (nil: not cached).
    static func cachedModule(_ database: Connection, hash: [UInt8], path: String) -> CompiledModule? {
        let row = try? database.queryOne(
            "SELECT code, lines, imports FROM module_cache WHERE hash = ? AND transform = ?",
            [.blob(hash), .text(ModuleTransformer.identity)]
        ) { row in
            CompiledModule(
                path: path,
                hash: hash,
                code: row.string(0),
                lines: (try? JSONDecoder().decode([Int].self, from: Data(row.string(1).utf8))) ?? [],
                imports: (try? JSONDecoder().decode([String].self, from: Data(row.string(2).utf8))) ?? []
            )
        }
        return row.flatMap { $0 }
    }

    /// The deploy's transform of `path` in `app`@`version`, from `module_cache` (nil: not cached).
    static func cachedModule(_ database: Connection, app: String, version: Int, path: String) -> CompiledModule? {
        let row = try? database.queryOne(
            """
            SELECT m.code, m.lines, m.imports, f.blob FROM files f
            JOIN module_cache m ON m.hash = f.blob AND m.transform = ?
            WHERE f.app = ? AND f.version = ? AND f.path = ?
            """,
            [.text(ModuleTransformer.identity), .text(app), .int(version), .text(path)]
        ) { row in
            CompiledModule(
                path: path,
                hash: row.bytes(3),
                code: row.string(0),
                lines: (try? JSONDecoder().decode([Int].self, from: Data(row.string(1).utf8))) ?? [],
                imports: (try? JSONDecoder().decode([String].self, from: Data(row.string(2).utf8))) ?? []
            )
        }
        return row.flatMap { $0 }
    }
}

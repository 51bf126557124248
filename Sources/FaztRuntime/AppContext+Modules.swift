import CJavaScriptCore

extension AppContext {
    /// Compiles an ES module or TypeScript file: its transform (cached at deploy, or made now)
    /// becomes a CommonJS function body, an async one when it awaits at top level.
    func compileModule(path: String, source: String) throws(JSException) -> JSValueRef? {
        let module = try compiledModule(path: path, source: source)
        let wrapped = Self.functionBody(module.code, async: false)
        if context.syntaxError(wrapped, sourceURL: path) != nil {
            let asynchronous = Self.functionBody(module.code, async: true)
            if context.syntaxError(asynchronous, sourceURL: path) == nil {
                return try context.evaluate(asynchronous, sourceURL: path, line: 1)
            }
        }
        return try context.evaluate(wrapped, sourceURL: path, line: 1)
    }

    /// The transform of `path`: loaded before, cached by the deploy, or made now.
    func compiledModule(path: String, source: String) throws(JSException) -> CompiledModule {
        if let module = compiledModules[path] { return module }
        let module: CompiledModule
        if let cached = readCompiled(path) {
            module = cached
        } else {
            switch transformModule(path, source) {
            case .success(let made): module = made
            case .failure(let error):
                let message = error.location.map { "\($0): SyntaxError: \(error.message)" } ?? error.message
                throw JSException(message: message, location: error.location)
            }
        }
        compiledModules[path] = module
        return module
    }

    /// The static imports of `path` when it is an ES module (nil for CommonJS and missing files).
    func moduleImports(_ path: String) -> [String]? {
        if let module = compiledModules[path] { return module.imports }
        if commonJSModules.contains(path) { return nil }
        guard files.contains(path), !path.hasSuffix(".json"), let bytes = fileBytes(path) else { return nil }
        let source = String(decoding: bytes, as: UTF8.self)
        guard ModuleTransformer.needsTransform(path: path, source: source) else {
            commonJSModules.insert(path)
            return nil
        }
        return (try? compiledModule(path: path, source: source))?.imports
    }

    /// The author's line for line `line` of `path` as run (a transformed module's lines differ).
    func sourceLine(path: String, line: Int) -> Int {
        compiledModules[path]?.sourceLine(line) ?? line
    }
}

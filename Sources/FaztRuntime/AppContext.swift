import CJavaScriptCore
import Foundation

/// One app version's JavaScript world: its own global context with the prelude and host functions.
///
/// Apps never share a context, so globals set by one app or version are invisible to every other.
final class AppContext {
    /// How an invocation ended, as reported by the prelude.
    enum Outcome {
        case response(status: Int, headers: [(String, String)], body: [UInt8])
        case failure(message: String, location: String?, stack: String?, code: String?)
    }

    let app: String
    let version: Int
    let context: JSContext
    /// Every path of the version (code, assets, `private/`), relative to the app root.
    let files: Set<String>
    private let readFile: (String) -> [UInt8]?
    private let readEnv: (String) -> String?
    /// The cached transform of an ES module or TypeScript file of the version (`module_cache`).
    let readCompiled: (String) -> CompiledModule?
    /// Transforms a module the cache missed (the worker's `ModuleTransformer`).
    let transformModule: (String, String) -> Result<CompiledModule, ModuleTransformError>
    /// ES modules and TypeScript files loaded so far, as transformed (stack lines, imports).
    var compiledModules: [String: CompiledModule] = [:]
    /// Files read as CommonJS (no transform): `moduleImports` answers nil for them at once.
    var commonJSModules = Set<String>()
    let log: (String, String) -> Void
    /// Sends a `fetch` request to the daemon.
    var sendFetch: (WorkerFrame.Fetch) -> Void = { _ in }
    /// Runs a storage call (op, arguments, bytes) and returns its JSON, or `"\u{1}CODE\u{1}message"`.
    var storageCall: (String, [String], [UInt8]?) -> String = { _, _, _ in "\u{1}INTERNAL\u{1}storage is not available"
    }
    /// Bytes of the last storage result (`blobs.get`), taken by `host.storeData`.
    var storageData: [UInt8]?
    /// Fetches started by the current invocation and not answered yet.
    var pendingFetches = Set<Int>()
    private(set) var fetchDoneFunction: JSObjectRef?
    /// A response that leaves before the invocation ends (see `WorkerFrame.ResponseStart`).
    enum ResponsePart {
        /// The whole response (`ctx.waitUntil` work goes on).
        case whole(status: Int, headers: [(String, String)], body: [UInt8])
        /// The head of a streamed body.
        case head(status: Int, headers: [(String, String)])
        case chunk([UInt8])
        /// The end of a streamed body (an error message when it broke off).
        case end(String?)
    }

    /// Sends part of the running invocation's response to the daemon.
    var sendResponse: (ResponsePart) -> Void = { _ in }
    /// Sends a `fazt.ai` call to the daemon.
    var sendAI: (WorkerFrame.AIStart) -> Void = { _ in }
    /// Asks the daemon to stop a `fazt.ai` call (its `signal` aborted).
    var sendAICancel: (UInt64) -> Void = { _ in }
    /// `fazt.ai` calls started by the current invocation and not ended yet.
    var pendingAI = Set<Int>()
    private(set) var aiEventFunction: JSObjectRef?
    private(set) var aiDoneFunction: JSObjectRef?

    /// The invocation waits for the daemon (a fetch or an AI call), not only for timers.
    var awaitsDaemon: Bool { !pendingFetches.isEmpty || !pendingAI.isEmpty }
    private(set) var invokeFunction: JSObjectRef?
    private(set) var fireTimerFunction: JSObjectRef?
    private(set) var clearTimersFunction: JSObjectRef?
    private var evalFactory: JSObjectRef?
    /// Set by `host.done` / `host.fail` during an invocation.
    var outcome: Outcome?
    /// Pending timers: id → due time (uptime nanoseconds).
    var timers: [Int: UInt64] = [:]
    /// Approximate bytes of source loaded (for the cache budget).
    private(set) var loadedBytes = 0

    init(
        engine: JSEngine,
        app: String,
        version: Int,
        files: Set<String>,
        readFile: @escaping (String) -> [UInt8]?,
        readEnv: @escaping (String) -> String?,
        readCompiled: @escaping (String) -> CompiledModule? = { _ in nil },
        transformModule: @escaping (String, String) -> Result<CompiledModule, ModuleTransformError> = {
            _,
            _ in .failure(.unavailable("no module transformer"))
        },
        log: @escaping (String, String) -> Void
    ) throws(JSException) {
        self.app = app
        self.version = version
        self.files = files
        self.readFile = readFile
        self.readEnv = readEnv
        self.readCompiled = readCompiled
        self.transformModule = transformModule
        self.log = log
        self.context = JSContext(engine: engine, name: "\(app)@\(version)")
        HostRegistry.register(self)
        try installHost()
    }

    deinit {
        // Protected values are GC roots of the whole group: left protected, they would keep this
        // context's entire global object graph alive after it is dropped.
        for function in [
            evalFactory, invokeFunction, fireTimerFunction, clearTimersFunction, fetchDoneFunction, aiEventFunction,
            aiDoneFunction,
        ] {
            if let function { JSValueUnprotect(context.ref, function) }
        }
        HostRegistry.unregister(context.ref)
    }

    private func installHost() throws(JSException) {
        let host = JSObjectMake(context.ref, nil, nil)
        guard let host else { throw JSException(message: "cannot create the host object") }
        for (name, callback) in HostFunctions.all {
            context.set(host, name, context.function(name, callback))
        }
        context.set(host, "appName", context.string(app))
        context.set(host, "appVersion", context.number(Double(version)))
        context.set(context.globalObject, "__host", host)
        let factory = try context.evaluate(
            "(function (__fazt_source) { return function (exports, require, module, __filename, __dirname, request, respond) { return eval(__fazt_source); }; })",
            sourceURL: "fazt:eval"
        )
        evalFactory = context.object(factory)
        if let evalFactory { JSValueProtect(context.ref, evalFactory) }
        try context.evaluate(Prelude.source, sourceURL: "fazt:prelude")
        invokeFunction = context.object(context.global("__fazt_invoke"))
        fireTimerFunction = context.object(context.global("__fazt_fireTimer"))
        clearTimersFunction = context.object(context.global("__fazt_clearTimers"))
        fetchDoneFunction = context.object(context.global("__fazt_fetchDone"))
        aiEventFunction = context.object(context.global("__fazt_aiEvent"))
        aiDoneFunction = context.object(context.global("__fazt_aiDone"))
        for function in [
            invokeFunction, fireTimerFunction, clearTimersFunction, fetchDoneFunction, aiEventFunction, aiDoneFunction,
        ] {
            if let function { JSValueProtect(context.ref, function) }
        }
    }

    /// The source of an app file, counted toward the context's size.
    func source(_ path: String) -> String? {
        guard let bytes = fileBytes(path) else { return nil }
        loadedBytes += bytes.count
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes of one of the version's files (`fazt.files.read`); nil when it has no such file.
    ///
    /// Not counted toward the context's size: unlike module source, the context keeps none of it
    /// unless the app does, and an app reading a file per request would otherwise look ever larger.
    func fileBytes(_ path: String) -> [UInt8]? {
        guard files.contains(path) else { return nil }
        return readFile(path)
    }

    /// The version's paths starting with `prefix`, sorted (`fazt.files.list`).
    func filePaths(prefix: String) -> [String] {
        files.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The owner-set value of an env key (`fazt env set`), read live from the database.
    func ownerEnv(_ key: String) -> String? { readEnv(key) }

    /// Evaluates a bundled third-party module (lodash, cheerio, marked) as CommonJS in this
    /// context and returns its exports; the prelude caches them like any other module.
    func loadBundled(_ name: String, module: JSValueRef?) throws(JSException) -> JSValueRef? {
        guard let encoded = BundledSources.base64(name), let data = Data(base64Encoded: encoded) else {
            throw JSException(
                message: "Cannot find module '\(name)': it was not bundled into this build of fazt "
                    + "(its Debian package was missing when fazt was built)"
            )
        }
        let wrapped = "(function (exports, module, require, define) {" + String(decoding: data, as: UTF8.self) + "\n})"
        guard let body = context.object(try context.evaluate(wrapped, sourceURL: "bundled:" + name)),
            let moduleObject = context.object(module)
        else { throw JSException(message: "cannot load bundled module \(name)") }
        let exports = context.property(moduleObject, "exports")
        try context.call(body, this: context.object(exports), [exports, module, context.undefined, context.undefined])
        return context.property(moduleObject, "exports")
    }

    /// Turns module source into a callable body `(exports, require, module, __filename, __dirname,
    /// request, respond)`.
    ///
    /// Handler files that parse as scripts run through direct `eval`, so a script-form handler's
    /// completion value can be its response; everything else (required modules, handlers with a
    /// top-level `return`) becomes a function body, which keeps exact `file:line` in errors.
    ///
    /// A handler file that parses only as an async function body (top-level `await`) becomes one:
    /// its body returns a promise, which the prelude awaits before reading `respond()` or its
    /// returned value.
    func compile(path: String, source: String, handler: Bool) throws(JSException) -> JSValueRef? {
        if ModuleTransformer.needsTransform(path: path, source: source) {
            return try compileModule(path: path, source: source)
        }
        if handler, !Self.assignsExports(source), context.syntaxError(source, sourceURL: path) == nil,
            let evalFactory
        {
            return try context.call(evalFactory, [context.string(source + "\n//# sourceURL=" + path)])
        }
        let wrapped = Self.functionBody(source, async: false)
        if handler, context.syntaxError(wrapped, sourceURL: path) != nil {
            let asynchronous = Self.functionBody(source, async: true)
            if context.syntaxError(asynchronous, sourceURL: path) == nil {
                return try context.evaluate(asynchronous, sourceURL: path, line: 1)
            }
        }
        return try context.evaluate(wrapped, sourceURL: path, line: 1)
    }

    /// Whether the source assigns `module.exports` or `exports.x`: module form, which needs no
    /// completion value and keeps `file:line` in every stack frame when compiled as a function.
    static func assignsExports(_ source: String) -> Bool {
        source.contains("module.exports") || source.contains("exports.")
    }

    /// Module source as a function expression taking the CommonJS arguments (and, for handler
    /// files, the script form's `request` and `respond`).
    static func functionBody(_ source: String, async: Bool) -> String {
        (async ? "(async function" : "(function")
            + " (exports, require, module, __filename, __dirname, request, respond) {" + source + "\n})"
    }
}

/// Finds the `AppContext` behind a JavaScriptCore context in native callbacks.
///
/// The callbacks carry no user data. Worker processes run JavaScript on one thread only.
enum HostRegistry {
    nonisolated(unsafe) private static var contexts: [OpaquePointer: Unmanaged<AppContext>] = [:]

    static func register(_ context: AppContext) {
        contexts[context.context.ref] = Unmanaged.passUnretained(context)
    }

    static func unregister(_ ref: JSGlobalContextRef) { contexts[ref] = nil }

    static func lookup(_ ref: JSContextRef?) -> AppContext? {
        guard let ref, let global = JSContextGetGlobalContext(ref) else { return nil }
        return contexts[global]?.takeUnretainedValue()
    }
}

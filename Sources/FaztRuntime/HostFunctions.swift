import CJavaScriptCore
import FaztNet
import FaztVFS
import Foundation

/// The native functions the prelude receives as `host.*`.
enum HostFunctions {
    typealias Arguments = UnsafePointer<JSValueRef?>?

    static let all: [(String, JSObjectCallAsFunctionCallback)] = [
        (
            "exists",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                return app.context.boolean(app.files.contains(string(app, args, count, 0)))
            }
        ),
        (
            "source",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                return app.source(string(app, args, count, 0)).map { app.context.string($0) } ?? app.context.null
            }
        ),
        (
            "compile",
            { ctx, _, _, count, args, exception in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                do throws(JSException) {
                    return try app.compile(
                        path: string(app, args, count, 0),
                        source: string(app, args, count, 1),
                        handler: app.context.toBoolean(argument(args, count, 2))
                    )
                } catch {
                    // Rethrow the original SyntaxError so its file and line survive.
                    exception?.pointee = error.value ?? app.context.errorValue(error)
                    return nil
                }
            }
        ),
        (
            "moduleImports",
            { ctx, _, _, count, args, _ in
                // (path) → an ES module's static imports as JSON text, or null for CommonJS
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                guard let imports = app.moduleImports(string(app, args, count, 0)),
                    let data = try? JSONSerialization.data(withJSONObject: imports)
                else { return app.context.null }
                return app.context.string(String(decoding: data, as: UTF8.self))
            }
        ),
        (
            "sourceLine",
            { ctx, _, _, count, args, _ in
                // (path, line) → the author's line (a transformed module runs other lines)
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let line = Int(app.context.toNumber(argument(args, count, 1)))
                return app.context.number(Double(app.sourceLine(path: string(app, args, count, 0), line: line)))
            }
        ),
        (
            "fileList",
            { ctx, _, _, count, args, _ in
                // (prefix) → the version's paths starting with it, sorted, as JSON text (one string:
                // values held only in a Swift array are invisible to the collector)
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let paths = app.filePaths(prefix: string(app, args, count, 0))
                let json = (try? JSONSerialization.data(withJSONObject: paths)).map {
                    String(decoding: $0, as: UTF8.self)
                }
                return app.context.string(json ?? "[]")
            }
        ),
        (
            "readFile",
            { ctx, _, _, count, args, _ in
                // (path, binary) → the file's text, or its bytes as an ArrayBuffer; null when missing
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                guard let bytes = app.fileBytes(string(app, args, count, 0)) else { return app.context.null }
                if app.context.toBoolean(argument(args, count, 1)) { return app.context.arrayBuffer(bytes) }
                return app.context.string(String(decoding: bytes, as: UTF8.self))
            }
        ),
        (
            "kernelProblem",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let path = string(app, args, count, 0)
                guard let source = app.source(path) else { return app.context.null }
                let problem = HandlerShape.kernelProblem(
                    path: path,
                    source: source,
                    function: string(app, args, count, 1)
                )
                return problem.map { app.context.string($0) } ?? app.context.null
            }
        ),
        (
            "env",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                return app.ownerEnv(string(app, args, count, 0)).map { app.context.string($0) } ?? app.context.null
            }
        ),
        (
            "fetch",
            { ctx, _, _, count, args, exception in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                // (id, url, method, header lines, body: a string, a Uint8Array or null,
                //  auth secret, auth header, auth scheme, connection: strings or null)
                let id = Int(number(app, args, count, 0))
                let body: [UInt8]?
                if app.context.isUndefinedOrNull(argument(args, count, 4)) {
                    body = nil
                } else if let bytes = bytes(app, args, count, 4, exception) {
                    body = bytes
                } else {
                    body = Array(string(app, args, count, 4).utf8)
                }
                app.pendingFetches.insert(id)
                app.sendFetch(
                    WorkerFrame.Fetch(
                        id: UInt64(id),
                        app: app.app,
                        url: string(app, args, count, 1),
                        method: string(app, args, count, 2),
                        headers: .init(pairs: headerPairs(string(app, args, count, 3))),
                        body: body,
                        auth: FetchAuth(
                            secret: optionalString(app, args, count, 5),
                            header: optionalString(app, args, count, 6),
                            scheme: optionalString(app, args, count, 7),
                            connection: optionalString(app, args, count, 8)
                        )
                    )
                )
                return app.context.undefined
            }
        ),
        (
            "ai",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                // (id, mode, options as JSON text)
                let id = Int(number(app, args, count, 0))
                guard let mode = AICallMode(rawValue: string(app, args, count, 1)) else { return app.context.undefined }
                app.pendingAI.insert(id)
                app.sendAI(
                    WorkerFrame.AIStart(id: UInt64(id), app: app.app, mode: mode, options: string(app, args, count, 2))
                )
                return app.context.undefined
            }
        ),
        (
            "aiCancel",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let id = Int(number(app, args, count, 0))
                if app.pendingAI.contains(id) { app.sendAICancel(UInt64(id)) }
                return app.context.undefined
            }
        ),
        (
            "store",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let op = string(app, args, count, 0)
                let arguments = count > 1 ? (1..<count).map { string(app, args, count, $0) } : []
                return app.context.string(app.storageCall(op, arguments, nil))
            }
        ),
        (
            "storeBytes",
            { ctx, _, _, count, args, exception in
                // (op, arg, arg, Uint8Array): blobs.put (path, type; the etag is the data's SHA-256) and
                // socket.sendBinary (socket id).
                guard let app = HostRegistry.lookup(ctx), let object = app.context.object(argument(args, count, 3)),
                    let data = JSObjectGetTypedArrayBytesPtr(app.context.ref, object, exception)
                else { return nil }
                let length = JSObjectGetTypedArrayByteLength(app.context.ref, object, exception)
                let bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: length))
                let op = string(app, args, count, 0)
                var arguments = [string(app, args, count, 1), string(app, args, count, 2)]
                if op == "blobs.put" { arguments.append(String(ContentHash(of: bytes).hex.prefix(32))) }
                return app.context.string(app.storageCall(op, arguments, bytes))
            }
        ),
        (
            "storeData",
            { ctx, _, _, _, _, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let data = app.storageData ?? []
                app.storageData = nil
                return app.context.arrayBuffer(data)
            }
        ),
        (
            "hasBundled",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                return app.context.boolean(BundledSources.names.contains(string(app, args, count, 0)))
            }
        ),
        (
            "loadBundled",
            { ctx, _, _, count, args, exception in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let name = string(app, args, count, 0)
                do throws(JSException) {
                    return try app.loadBundled(name, module: argument(args, count, 1))
                } catch {
                    exception?.pointee = error.value ?? app.context.errorValue(error)
                    return nil
                }
            }
        ),
        (
            "log",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                app.log(string(app, args, count, 0), string(app, args, count, 1))
                return app.context.undefined
            }
        ),
        (
            "done",
            { ctx, _, _, count, args, exception in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                if app.outcome == nil {
                    // (status, header lines, body, isBytes): the body is a Uint8Array or a string.
                    let body: [UInt8]
                    if app.context.toBoolean(argument(args, count, 3)) {
                        body = bytes(app, args, count, 2, exception) ?? []
                    } else {
                        body = Array(string(app, args, count, 2).utf8)
                    }
                    app.outcome = .response(
                        status: Int(number(app, args, count, 0)),
                        headers: HostFunctions.headerPairs(string(app, args, count, 1)),
                        body: body
                    )
                }
                return app.context.undefined
            }
        ),
        (
            "respond",
            { ctx, _, _, count, args, exception in
                // (status, header lines, body, isBytes): the whole response, now; the invocation goes on.
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let body: [UInt8]
                if app.context.toBoolean(argument(args, count, 3)) {
                    body = bytes(app, args, count, 2, exception) ?? []
                } else {
                    body = Array(string(app, args, count, 2).utf8)
                }
                app.sendResponse(
                    .whole(
                        status: Int(number(app, args, count, 0)),
                        headers: headerPairs(string(app, args, count, 1)),
                        body: body
                    )
                )
                return app.context.undefined
            }
        ),
        (
            "streamStart",
            { ctx, _, _, count, args, _ in
                // (status, header lines): the head of a streamed body.
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                app.sendResponse(
                    .head(status: Int(number(app, args, count, 0)), headers: headerPairs(string(app, args, count, 1)))
                )
                return app.context.undefined
            }
        ),
        (
            "streamChunk",
            { ctx, _, _, count, args, exception in
                // (Uint8Array): one piece of the streamed body.
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                guard let piece = bytes(app, args, count, 0, exception) else { return nil }
                app.sendResponse(.chunk(piece))
                return app.context.undefined
            }
        ),
        (
            "streamEnd",
            { ctx, _, _, count, args, _ in
                // (error message or null): the streamed body is over.
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                app.sendResponse(.end(optionalString(app, args, count, 0)))
                return app.context.undefined
            }
        ),
        (
            "fail",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                if app.outcome == nil {
                    app.outcome = .failure(
                        message: string(app, args, count, 0),
                        location: optionalString(app, args, count, 1),
                        stack: optionalString(app, args, count, 2),
                        code: optionalString(app, args, count, 3)
                    )
                }
                return app.context.undefined
            }
        ),
        (
            "setTimer",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let id = Int(number(app, args, count, 0))
                let delay = max(0, number(app, args, count, 1))
                app.timers[id] = DispatchTime.now().uptimeNanoseconds + UInt64(min(delay, 86_400_000) * 1_000_000)
                return app.context.undefined
            }
        ),
        (
            "fillRandom",
            { ctx, _, _, count, args, exception in
                guard let app = HostRegistry.lookup(ctx), let object = app.context.object(argument(args, count, 0))
                else {
                    return nil
                }
                guard let bytes = JSObjectGetTypedArrayBytesPtr(app.context.ref, object, exception) else { return nil }
                let length = JSObjectGetTypedArrayByteLength(app.context.ref, object, exception)
                guard length <= 65_536 else {
                    exception?.pointee = app.context.errorValue(
                        JSException(message: "getRandomValues: at most 65536 bytes")
                    )
                    return nil
                }
                var generator = SystemRandomNumberGenerator()
                let buffer = bytes.assumingMemoryBound(to: UInt8.self)
                for index in 0..<length { buffer[index] = UInt8.random(in: 0...255, using: &generator) }
                return argument(args, count, 0)
            }
        ),
        (
            "digest",
            { ctx, _, _, count, args, exception in
                // (algorithm, Uint8Array) → ArrayBuffer
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let algorithm = hashName(string(app, args, count, 0))
                let digest = withBytes(app, args, count, 1, exception) { Digest.compute(algorithm, $0) }
                guard let digest else {
                    exception?.pointee = app.context.errorValue(JSException(message: "unsupported digest algorithm"))
                    return nil
                }
                return app.context.arrayBuffer(digest)
            }
        ),
        (
            "hmac",
            { ctx, _, _, count, args, exception in
                // (hash, key, data) → ArrayBuffer, or (hash, key, data, signature) → whether it matches;
                // all bytes as Uint8Array. The comparison stays here so that it runs in constant time.
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                let algorithm = hashName(string(app, args, count, 0))
                let mac = withBytes(app, args, count, 1, exception) { key in
                    withBytes(app, args, count, 2, exception) { data in Digest.hmac(algorithm, key: key, data) }
                }
                guard let mac else {
                    exception?.pointee = app.context.errorValue(
                        JSException(message: "HMAC needs a known hash and bytes")
                    )
                    return nil
                }
                if count > 3 {
                    let matches = withBytes(app, args, count, 3, exception) { Digest.constantTimeEqual(mac, $0) }
                    return app.context.boolean(matches ?? false)
                }
                return app.context.arrayBuffer(mac)
            }
        ),
        (
            "clearTimer",
            { ctx, _, _, count, args, _ in
                guard let app = HostRegistry.lookup(ctx) else { return nil }
                app.timers[Int(number(app, args, count, 0))] = nil
                return app.context.undefined
            }
        ),
    ]

    /// The response header fields JavaScript hands over as `name\nvalue` lines (a name and a
    /// value never hold a newline: the prelude refuses them), as pairs for the wire.
    static func headerPairs(_ text: String) -> [(String, String)] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var pairs: [(String, String)] = []
        var index = 0
        while index + 1 < lines.count {
            pairs.append((String(lines[index]), String(lines[index + 1])))
            index += 2
        }
        return pairs
    }

    /// A copy of the bytes of a typed array argument; nil when it is not one.
    static func bytes(
        _ app: AppContext,
        _ args: Arguments,
        _ count: Int,
        _ index: Int,
        _ exception: UnsafeMutablePointer<JSValueRef?>?
    ) -> [UInt8]? {
        guard let object = app.context.object(argument(args, count, index)),
            JSValueGetTypedArrayType(app.context.ref, object, nil) != kJSTypedArrayTypeNone,
            let data = JSObjectGetTypedArrayBytesPtr(app.context.ref, object, exception)
        else { return nil }
        let length = JSObjectGetTypedArrayByteLength(app.context.ref, object, exception)
        return [UInt8](UnsafeRawBufferPointer(start: data, count: length))
    }

    /// Runs `body` over the bytes of a typed array argument, without copying them; nil when the
    /// argument is not a typed array.
    static func withBytes<T>(
        _ app: AppContext,
        _ args: Arguments,
        _ count: Int,
        _ index: Int,
        _ exception: UnsafeMutablePointer<JSValueRef?>?,
        _ body: (UnsafeRawBufferPointer) -> T?
    ) -> T? {
        guard let object = app.context.object(argument(args, count, index)),
            JSValueGetTypedArrayType(app.context.ref, object, nil) != kJSTypedArrayTypeNone
        else { return nil }
        let length = JSObjectGetTypedArrayByteLength(app.context.ref, object, exception)
        // An empty array may have no storage at all.
        guard length > 0 else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let data = JSObjectGetTypedArrayBytesPtr(app.context.ref, object, exception) else { return nil }
        return body(UnsafeRawBufferPointer(start: data, count: length))
    }

    /// A Web Crypto hash name (`SHA-256`, `sha256`) as `Digest` spells it (`SHA256`).
    static func hashName(_ name: String) -> String {
        name.uppercased().replacingOccurrences(of: "-", with: "")
    }

    static func argument(_ args: Arguments, _ count: Int, _ index: Int) -> JSValueRef? {
        guard let args, index < count else { return nil }
        return args[index]
    }

    static func string(_ app: AppContext, _ args: Arguments, _ count: Int, _ index: Int) -> String {
        app.context.toString(argument(args, count, index))
    }

    static func optionalString(_ app: AppContext, _ args: Arguments, _ count: Int, _ index: Int) -> String? {
        let value = argument(args, count, index)
        return app.context.isUndefinedOrNull(value) ? nil : app.context.toString(value)
    }

    static func number(_ app: AppContext, _ args: Arguments, _ count: Int, _ index: Int) -> Double {
        // Clamped so that app-supplied numbers can never trap an `Int(...)` conversion.
        let value = app.context.toNumber(argument(args, count, index))
        return value.isFinite ? min(max(value, -1e15), 1e15) : 0
    }
}

extension JSContext {
    /// A new `ArrayBuffer` holding a copy of `bytes`.
    func arrayBuffer(_ bytes: [UInt8]) -> JSValueRef? {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { storage.copyMemory(from: base, byteCount: raw.count) }
        }
        return JSObjectMakeArrayBufferWithBytesNoCopy(
            ref,
            storage,
            bytes.count,
            { pointer, _ in pointer?.deallocate() },
            nil,
            nil
        )
    }

    /// A JavaScript `Error` carrying `error`'s message (thrown back into JavaScript).
    func errorValue(_ error: JSException) -> JSValueRef? {
        let message = string(error.message)
        var arguments: [JSValueRef?] = [message]
        return arguments.withUnsafeMutableBufferPointer { buffer in
            JSObjectMakeError(ref, 1, buffer.baseAddress, nil)
        }
    }
}

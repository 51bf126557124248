import CJavaScriptCore

/// An error thrown by JavaScript, with where it happened.
struct JSException: Error, CustomStringConvertible, @unchecked Sendable {
    // Sendable only formally (typed throws require it): `value` is used on the worker thread that
    // created it, while its context lives, and never crosses threads.
    var message: String
    /// `file:line` when JavaScriptCore knows it.
    var location: String?
    var stack: String?
    /// True when the execution time limit stopped the script.
    var timedOut = false
    /// The thrown JavaScript value (valid only while its context lives).
    var value: JSValueRef?

    var description: String { location.map { "\(message) (\($0))" } ?? message }
}

/// A JavaScriptCore context group: the unit that shares a VM, a heap and the execution time limit.
///
/// Used from one thread only (the worker's main thread).
final class JSEngine {
    let group: JSContextGroupRef

    init() {
        // JSContextGroupCreate only fails when memory is exhausted.
        guard let group = JSContextGroupCreate() else { fatalError("JSContextGroupCreate failed") }
        self.group = group
    }

    deinit { JSContextGroupRelease(group) }

    /// Stops synchronous JavaScript that runs longer than `seconds` (promise chains are not stopped:
    /// the supervisor's deadline handles those).
    func setTimeLimit(seconds: Double) {
        JSEngine.terminated = false
        JSContextGroupSetExecutionTimeLimit(
            group,
            seconds,
            { _, _ in
                JSEngine.terminated = true
                return true
            },
            nil
        )
    }

    func clearTimeLimit() { JSContextGroupClearExecutionTimeLimit(group) }

    /// Set when the time limit stopped a script since the last `setTimeLimit`; the termination can
    /// surface anywhere (even swallowed inside a microtask), so the flag is the reliable signal.
    nonisolated(unsafe) static var terminated = false
}

/// One global context (one app version's world); released in `deinit`.
final class JSContext {
    let ref: JSGlobalContextRef

    init(engine: JSEngine, name: String) {
        guard let ref = JSGlobalContextCreateInGroup(engine.group, nil) else {
            fatalError("JSGlobalContextCreateInGroup failed")
        }
        self.ref = ref
        let jsName = JSString(name)
        JSGlobalContextSetName(ref, jsName.ref)
    }

    deinit { JSGlobalContextRelease(ref) }

    var globalObject: JSObjectRef { JSContextGetGlobalObject(ref) }

    /// Evaluates a script; `line` is the line number of its first line.
    @discardableResult
    func evaluate(_ source: String, sourceURL: String, line: Int32 = 1) throws(JSException) -> JSValueRef? {
        let script = JSString(source)
        let url = JSString(sourceURL)
        var exception: JSValueRef?
        let result = JSEvaluateScript(ref, script.ref, nil, url.ref, line, &exception)
        if let exception { throw self.exception(exception) }
        return result
    }

    /// Checks that `source` parses as a script; returns the syntax error otherwise.
    func syntaxError(_ source: String, sourceURL: String, line: Int32 = 1) -> JSException? {
        let script = JSString(source)
        let url = JSString(sourceURL)
        var exception: JSValueRef?
        if JSCheckScriptSyntax(ref, script.ref, url.ref, line, &exception) { return nil }
        return exception.map(self.exception) ?? JSException(message: "syntax error", location: sourceURL)
    }

    /// Calls `function` with arguments created one at a time by `makers`, each kept from the
    /// garbage collector until the call returns.
    ///
    /// JavaScriptCore finds live values by scanning the native stack; a value held only in Swift
    /// memory (an array of arguments) is invisible to it, so creating a later argument (a large
    /// string allocates) could collect an earlier one, and the callee would read freed memory.
    @discardableResult
    func call(
        _ function: JSObjectRef,
        this: JSObjectRef? = nil,
        making makers: () -> JSValueRef?...
    ) throws(JSException) -> JSValueRef? {
        var arguments: [JSValueRef?] = []
        arguments.reserveCapacity(makers.count)
        defer {
            for case let value? in arguments { JSValueUnprotect(ref, value) }
        }
        for make in makers {
            let value = make()
            if let value { JSValueProtect(ref, value) }
            arguments.append(value)
        }
        return try call(function, this: this, arguments)
    }

    /// Calls `function` with `arguments`, which must be reachable by the garbage collector already
    /// (protected, or properties of live objects): see `call(_:this:making:)`.
    @discardableResult
    func call(
        _ function: JSObjectRef,
        this: JSObjectRef? = nil,
        _ arguments: [JSValueRef?]
    ) throws(JSException)
        -> JSValueRef?
    {
        var exception: JSValueRef?
        let result = arguments.withUnsafeBufferPointer { buffer in
            JSObjectCallAsFunction(ref, function, this, buffer.count, buffer.baseAddress, &exception)
        }
        if let exception { throw self.exception(exception) }
        return result
    }

    /// A property of the global object.
    func global(_ name: String) -> JSValueRef? {
        let key = JSString(name)
        return JSObjectGetProperty(ref, globalObject, key.ref, nil)
    }

    /// `value` as an object, if it is one.
    func object(_ value: JSValueRef?) -> JSObjectRef? {
        guard let value, JSValueIsObject(ref, value) else { return nil }
        return JSValueToObject(ref, value, nil)
    }

    /// Defines `object[name] = value`.
    func set(_ object: JSObjectRef, _ name: String, _ value: JSValueRef?) {
        let key = JSString(name)
        JSObjectSetProperty(ref, object, key.ref, value, JSPropertyAttributes(kJSPropertyAttributeNone), nil)
    }

    /// A native function callable from JavaScript.
    func function(_ name: String, _ callback: JSObjectCallAsFunctionCallback) -> JSObjectRef? {
        let jsName = JSString(name)
        return JSObjectMakeFunctionWithCallback(ref, jsName.ref, callback)
    }

    func string(_ text: String) -> JSValueRef? {
        let value = JSString(text)
        return JSValueMakeString(ref, value.ref)
    }

    var undefined: JSValueRef? { JSValueMakeUndefined(ref) }
    var null: JSValueRef? { JSValueMakeNull(ref) }
    func boolean(_ flag: Bool) -> JSValueRef? { JSValueMakeBoolean(ref, flag) }
    func number(_ value: Double) -> JSValueRef? { JSValueMakeNumber(ref, value) }

    /// `value` converted to a Swift string (as JavaScript's `String(value)`).
    func toString(_ value: JSValueRef?) -> String {
        guard let value, let string = JSValueToStringCopy(ref, value, nil) else { return "" }
        defer { JSStringRelease(string) }
        return JSString.swiftString(string)
    }

    func toBoolean(_ value: JSValueRef?) -> Bool { value.map { JSValueToBoolean(ref, $0) } ?? false }
    func isString(_ value: JSValueRef?) -> Bool { value.map { JSValueIsString(ref, $0) } ?? false }
    func isUndefinedOrNull(_ value: JSValueRef?) -> Bool {
        guard let value else { return true }
        return JSValueIsUndefined(ref, value) || JSValueIsNull(ref, value)
    }
    func toNumber(_ value: JSValueRef?) -> Double { value.map { JSValueToNumber(ref, $0, nil) } ?? .nan }

    /// Parses JSON into a JavaScript value.
    func parseJSON(_ json: String) -> JSValueRef? {
        let text = JSString(json)
        return JSValueMakeFromJSONString(ref, text.ref)
    }

    /// Turns a thrown value into a `JSException` with message, `file:line` and stack.
    func exception(_ value: JSValueRef) -> JSException {
        let message = toString(value)
        guard let object = object(value) else { return JSException(message: message, value: value) }
        let file = property(object, "sourceURL")
        let line = property(object, "line")
        let stack = property(object, "stack")
        var location: String?
        if !isUndefinedOrNull(file) && !isUndefinedOrNull(line) {
            location = "\(toString(file)):\(Int(toNumber(line)))"
        }
        return JSException(
            message: message,
            location: location,
            stack: isUndefinedOrNull(stack) ? nil : toString(stack),
            timedOut: message.contains("JavaScript execution exceeded timeout"),
            value: value
        )
    }

    func property(_ object: JSObjectRef, _ name: String) -> JSValueRef? {
        let key = JSString(name)
        return JSObjectGetProperty(ref, object, key.ref, nil)
    }
}

/// An owned `JSStringRef`, released in `deinit`.
final class JSString {
    let ref: JSStringRef

    init(_ text: String) {
        // JSStringCreateWithUTF8CString copies the bytes; it only fails without memory.
        guard let ref = JSStringCreateWithUTF8CString(text) else { fatalError("JSStringCreateWithUTF8CString failed") }
        self.ref = ref
    }

    deinit { JSStringRelease(ref) }

    /// Copies a `JSStringRef` into a Swift string (UTF-16 → UTF-8, lone surrogates replaced).
    static func swiftString(_ string: JSStringRef) -> String {
        let length = JSStringGetLength(string)
        guard length > 0, let characters = JSStringGetCharactersPtr(string) else { return "" }
        let units = UnsafeBufferPointer(start: characters, count: length)
        return asciiString(units) ?? String(decoding: units, as: UTF16.self)
    }

    /// The string when every unit is ASCII, else `nil`.
    ///
    /// Most strings crossing the bridge (JSON, keys, paths) are ASCII: copying the low bytes is
    /// several times cheaper than the general UTF-16 transcoder.
    private static func asciiString(_ units: UnsafeBufferPointer<UInt16>) -> String? {
        var ascii = true
        let text = String(unsafeUninitializedCapacity: units.count) { bytes in
            for index in 0..<units.count {
                let unit = units[index]
                guard unit < 0x80 else {
                    ascii = false
                    return 0
                }
                bytes[index] = UInt8(truncatingIfNeeded: unit)
            }
            return units.count
        }
        return ascii ? text : nil
    }
}

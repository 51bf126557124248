/// What a handler file exports, read from its source without running it.
///
/// Deploys and `fazt.schedule` use it to refuse files that surely cannot work (an object with no
/// handler, lower-case method names). It answers "fine" whenever it cannot be sure:
/// `module.exports = someVariable`, `Object.assign(exports, …)` and the like pass, and files that
/// never touch `exports` are script-form handlers (top-level code using `request` and `respond`,
/// answered by their completion value). ES module exports read the same as their CommonJS
/// equivalents: `export function GET` as `exports.GET =`, `export default X` as
/// `module.exports = X` (the runtime unwraps `default`).
struct HandlerShape: Equatable {
    /// `export …`, `import … from` at top level, or `import.meta`: the file is an ES module.
    var esModule = false
    /// `module.exports = function / arrow / class`.
    var exportsFunction = false
    /// Exports assigned in ways this reading cannot follow.
    var unknown = false
    /// The file touches `module.exports` or `exports.*` at all.
    var touchesExports = false
    /// Top-level `return`, or `respond` used: a script-form handler.
    var scriptForm = false
    /// Names exported (`exports.NAME =`, keys of `module.exports = {…}`).
    var names: Set<String> = []
    /// The first token of the value given to `export default` or `exports.default =`, when seen.
    var defaultValue: String?

    /// Whether the file may be a Workers-style handler (`export default {fetch}`, `export default
    /// app`, `module.exports = {fetch}`): it exports `fetch`, or a default that is not a function.
    var mayBeWorkersStyle: Bool {
        guard !scriptForm, !exportsFunction, !Self.methods.contains(where: names.contains) else { return false }
        if names.contains("fetch") { return true }
        guard esModule || names.contains("default") else { return false }
        guard let first = defaultValue else { return esModule ? false : true }
        return !["function", "async", "class", "("].contains(first)
    }

    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    /// A problem with `path` as an HTTP route, or nil when it is (or may be) a handler.
    static func routeProblem(path: String, source: String) -> String? {
        HandlerShape(source: source).handlerProblem(path: path)
    }

    /// Exports that surely hold no HTTP handler (for route files).
    func handlerProblem(path: String) -> String? {
        guard touchesExports, !scriptForm, !exportsFunction, !unknown else { return nil }
        if names.contains("default") || names.contains("fetch") || Self.methods.contains(where: names.contains) {
            return nil
        }
        if let lower = Self.methods.first(where: { names.contains($0.lowercased()) }) {
            return "\(path): did you mean exports.\(lower)? (method handlers are upper-case)"
        }
        return "\(path): module.exports has no handler: export a function, or GET/POST/… functions"
    }

    /// The socket handler's events (`api/_socket.js`).
    static let socketEvents = ["open", "message", "close"]

    /// Exports that surely hold none of the socket handler's events (for `api/_socket.js`).
    func socketProblem(path: String) -> String? {
        guard touchesExports, !scriptForm, !exportsFunction, !unknown else { return nil }
        if Self.socketEvents.contains(where: names.contains) { return nil }
        return "\(path): a socket handler exports open(ws, req), message(ws, data) or close(ws, code, reason)"
    }

    /// A problem with `path` as a job (`scheduled`) or event (`event`) handler, or nil.
    static func kernelProblem(path: String, source: String, function: String) -> String? {
        let shape = HandlerShape(source: source)
        let fix =
            function == "event"
            ? "module.exports = { async event(event, job) { … } }"
            : "module.exports = { async scheduled(state, job) { … } }"
        guard !shape.exportsFunction, !shape.unknown else { return nil }
        if shape.names.contains(function) || shape.names.contains("default") { return nil }
        return "\(path) does not export \(function)(): add \(fix)"
    }

    init(source: String) {
        let tokens = JSTokenizer.tokens(source)
        func text(_ index: Int) -> String? {
            index >= 0 && index < tokens.count ? tokens[index].text : nil
        }
        for (index, token) in tokens.enumerated() where token.kind == .word {
            let afterDot = text(index - 1) == "." || text(index - 1) == "?."
            switch token.text {
            case "export" where token.depth == 0 && !afterDot:
                if let next = text(index + 1),
                    ["default", "const", "let", "var", "function", "async", "class", "{", "*"].contains(next)
                {
                    esModule = true
                    if next == "default" { defaultValue = text(index + 2) }
                }
                readModuleExport(tokens, at: index)
            case "import" where !afterDot:
                if index + 1 < tokens.count, text(index + 1) == ".", text(index + 2) == "meta" {
                    esModule = true
                } else if token.depth == 0, index + 1 < tokens.count,
                    tokens[index + 1].kind != .punctuator || ["{", "*"].contains(tokens[index + 1].text)
                {
                    esModule = true
                }
            case "return" where token.depth == 0:
                scriptForm = true
            case "respond" where !afterDot && text(index + 1) != ":":
                scriptForm = true
            case "module" where !afterDot && text(index + 1) == "." && text(index + 2) == "exports":
                readExports(tokens, after: index + 2)
            case "exports" where !afterDot:
                readExports(tokens, after: index)
            case "assign", "defineProperty",
                "defineProperties" where afterDot && text(index - 2) == "Object":
                unknown = true
            case "this" where token.depth == 0 && (text(index + 1) == "." || text(index + 1) == "["):
                // Top-level `this` is `module.exports`.
                unknown = true
            default:
                continue
            }
        }
    }

    /// Reads an ES module export (`export` is the token at `index`) as its CommonJS equivalent.
    private mutating func readModuleExport(_ tokens: [JSTokenizer.Token], at index: Int) {
        func text(_ at: Int) -> String? { at < tokens.count ? tokens[at].text : nil }
        func isWord(_ at: Int) -> Bool { at < tokens.count && tokens[at].kind == .word }
        switch text(index + 1) {
        case "default":
            touchesExports = true
            readValue(tokens, at: index + 2)
        case "function", "async", "class":
            touchesExports = true
            var at = index + 2
            while let word = text(at), ["function", "*"].contains(word) { at += 1 }
            if isWord(at) { names.insert(tokens[at].text) } else { unknown = true }
        case "const", "let", "var":
            touchesExports = true
            if isWord(index + 2) { names.insert(tokens[index + 2].text) } else { unknown = true }
        case "{":
            // `export { a as GET, b }`, `export { GET } from "./x"`: the exported names.
            touchesExports = true
            let inner = tokens[index + 1].depth + 1
            var at = index + 2
            while at < tokens.count, tokens[at].depth >= inner {
                if tokens[at].depth == inner, tokens[at].kind == .word, tokens[at].text != "as", text(at + 1) != "as" {
                    names.insert(tokens[at].text)
                }
                at += 1
            }
        case "*":
            touchesExports = true
            unknown = true
        default:
            // TypeScript's `export interface`, `export type`, `export enum`: no handler.
            break
        }
    }

    /// Reads what follows `exports` (the token at `index`): `.NAME =`, `= value` or `[…]`.
    private mutating func readExports(_ tokens: [JSTokenizer.Token], after index: Int) {
        func text(_ at: Int) -> String? { at < tokens.count ? tokens[at].text : nil }
        switch text(index + 1) {
        case "." where text(index + 3) == "=":
            touchesExports = true
            names.insert(text(index + 2) ?? "")
            if text(index + 2) == "default" { defaultValue = text(index + 4) }
        case "[":
            touchesExports = true
            unknown = true
        case "=":
            touchesExports = true
            readValue(tokens, at: index + 2)
        default:
            break
        }
    }

    /// Reads the value assigned to `module.exports`.
    private mutating func readValue(_ tokens: [JSTokenizer.Token], at start: Int) {
        guard start < tokens.count else { return }
        let first = tokens[start]
        func text(_ at: Int) -> String? { at < tokens.count ? tokens[at].text : nil }
        switch first.text {
        case "function", "async", "class":
            exportsFunction = true
        case "(":
            // An arrow function when the matching `)` is followed by `=>`.
            var at = start + 1
            while at < tokens.count, !(tokens[at].text == ")" && tokens[at].depth == first.depth) { at += 1 }
            if text(at + 1) == "=>" { exportsFunction = true } else { unknown = true }
        case "{":
            readObjectKeys(tokens, from: start)
        default:
            if first.kind == .word && text(start + 1) == "=>" { exportsFunction = true } else { unknown = true }
        }
    }

    /// Collects the keys of the object literal opening at `start`.
    private mutating func readObjectKeys(_ tokens: [JSTokenizer.Token], from start: Int) {
        let inner = tokens[start].depth + 1
        var at = start + 1
        var expectKey = true
        while at < tokens.count {
            let token = tokens[at]
            if token.depth < inner { return }  // the closing brace
            if token.depth == inner {
                if token.text == "," {
                    expectKey = true
                } else if expectKey {
                    if token.text == "..." || token.text == "[" {
                        unknown = true
                    } else if ["async", "get", "set", "*"].contains(token.text),
                        at + 1 < tokens.count, ![",", ":", "(", "}"].contains(tokens[at + 1].text)
                    {
                        at += 1
                        continue
                    } else if token.kind == .word {
                        names.insert(token.text)
                    } else {
                        // A quoted or numeric key: its name is not kept by the tokenizer.
                        unknown = true
                    }
                    expectKey = false
                }
            }
            at += 1
        }
    }
}

import FaztVFS
import Foundation

/// Which `api/` file handles a request path, worked out once from one app version's files.
///
/// Building it turns the routable files into a tree of path segments, so matching a request costs
/// a few dictionary lookups whatever the number of files. Precedence, most specific first:
///
/// 1. A route matching every segment of the path. At each segment, left to right, a literal name
///    (`new.js`, `new/…`) beats a parameter (`[id].js`, `[id]/…`), which beats a catch-all
///    (`[...rest].js`, one or more segments, only as the last part of a route); a branch that
///    cannot match the rest of the path gives way to the next kind.
/// 2. The longest prefix of the path matched the same way (`/api/users/42` → `api/users.js`,
///    `/api/todos/42/x` → `api/todos/[id].js`).
/// 3. `/api` itself → `api/index.js`; then, for every path, `api/main.js`.
///
/// `x.js` beats `x/index.js`. Files and folders starting with `_` or `.` are helpers, never routes;
/// a path with such a segment (or a `\`) only reaches `api/main.js`. Parameter values are
/// percent-decoded per segment and never contain `/`; a catch-all's segments are joined with `/`.
public struct HandlerRouter: Sendable {
    private struct Node: Sendable {
        /// `x.js`, else `x/index.js`.
        var file: String?
        var fileIsIndex = false
        var literals: [String: Node] = [:]
        /// `[name]` children, ordered by name.
        var params: [Param] = []
        var catchAll: CatchAll?
    }

    private struct Param: Sendable {
        var name: String
        var node: Node
    }

    private struct CatchAll: Sendable {
        var name: String
        var file: String
        var isIndex: Bool
    }

    private enum Segment {
        case literal(String)
        case param(String)
        case catchAll(String)

        init(_ name: String) {
            guard name.hasPrefix("["), name.hasSuffix("]"), name.count > 2 else {
                self = .literal(name)
                return
            }
            let inner = name.dropFirst().dropLast()
            let isCatchAll = inner.hasPrefix("...")
            let key = String(isCatchAll ? inner.dropFirst(3) : inner)
            guard !key.isEmpty, !key.contains("["), !key.contains("]") else {
                self = .literal(name)
                return
            }
            self = isCatchAll ? .catchAll(key) : .param(key)
        }
    }

    private var root = Node()
    /// Files that may be Workers-style (read when the router was given their sources).
    private var workersStyle: Set<String> = []
    /// The most segments of any route: longer prefixes cannot match without a catch-all.
    private var depth = 0
    private var main: String?

    /// True for `/api` and `/api/...`.
    public static func isAPIPath(_ path: String) -> Bool {
        path == "/api" || path.hasPrefix("/api/")
    }

    /// The router for a version holding `files` (every path of the version).
    ///
    /// Files other than `api/**` modules (`.js`, `.mjs`, `.ts`, `.mts`) are ignored; `x.js` wins
    /// over `x.ts`. `source` reads a file's text: each `api/` file is read once to mark routes that
    /// may be Workers-style (`HandlerRoute.mayRespondEarly`), and when `api/index.*` may be one and
    /// there is no `api/main.*`, it answers every `/api/*` path no other file does (Hono-style
    /// routers route on the URL themselves).
    public init(files: some Sequence<String>, source: ((String) -> String?)? = nil) {
        // Sorted, so that which of two conflicting files wins never depends on dictionary order.
        let files = files.filter { $0.hasPrefix("api/") && ScriptFile.isModule($0) }.sorted()
        for file in files {
            insert(file)
        }
        guard let source else { return }
        for file in files {
            if let text = source(file), Self.mayBeWorkersStyle(source: text) { workersStyle.insert(file) }
        }
        if main == nil, let index = root.file, Self.indexFiles.contains(index), workersStyle.contains(index) {
            main = index
        }
    }

    private static let indexFiles: Set<String> = ["api/index.js", "api/index.mjs", "api/index.ts", "api/index.mts"]

    /// Whether a handler file may be Workers-style, read from its source without running it.
    public static func mayBeWorkersStyle(source: String) -> Bool {
        HandlerShape(source: source).mayBeWorkersStyle
    }

    /// The handler for `path` (as received: starting with `/api`, still percent-encoded), or nil.
    public func route(for path: String) -> HandlerRoute? {
        let segments = path.utf8.dropFirst(4).split(separator: UInt8(ascii: "/")).map { raw -> String in
            let text = String(decoding: raw, as: UTF8.self)
            guard raw.contains(UInt8(ascii: "%")) else { return text }
            return text.removingPercentEncoding ?? text
        }
        let routable = segments.allSatisfy { !Self.isHelper($0) && !$0.contains("\\") }
        if routable && !segments.isEmpty {
            var params: [String: String] = [:]
            if let file = Self.match(segments, from: 0, to: segments.count, in: root, params: &params) {
                return made(file, params)
            }
            var count = min(segments.count - 1, depth)
            while count > 0 {
                if let file = Self.match(segments, from: 0, to: count, in: root, params: &params) {
                    return made(file, params)
                }
                count -= 1
            }
        }
        if segments.isEmpty, let index = root.file { return made(index, [:]) }
        return main.map { made($0, [:]) }
    }

    private func made(_ file: String, _ params: [String: String]) -> HandlerRoute {
        HandlerRoute(file: file, params: params, mayRespondEarly: workersStyle.contains(file))
    }

    private static func isHelper(_ name: String) -> Bool { name.hasPrefix("_") || name.hasPrefix(".") }

    /// The file for `segments[index..<end]` below `node`; on success `params` holds the captured values.
    private static func match(
        _ segments: [String],
        from index: Int,
        to end: Int,
        in node: Node,
        params: inout [String: String]
    ) -> String? {
        if index == end { return node.file }
        let segment = segments[index]
        if let child = node.literals[segment],
            let file = match(segments, from: index + 1, to: end, in: child, params: &params)
        {
            return file
        }
        if !segment.contains("/") {
            for param in node.params {
                if let file = match(segments, from: index + 1, to: end, in: param.node, params: &params) {
                    params[param.name] = segment
                    return file
                }
            }
        }
        // A catch-all takes the rest of the path; a shorter prefix never ends in one.
        if end == segments.count, let catchAll = node.catchAll {
            params[catchAll.name] = segments[index..<end].joined(separator: "/")
            return catchAll.file
        }
        return nil
    }

    private mutating func insert(_ file: String) {
        let names = ScriptFile.stem(file).dropFirst(4).split(separator: "/", omittingEmptySubsequences: false)
            .map(String.init)
        guard names.allSatisfy({ !$0.isEmpty && !Self.isHelper($0) }) else { return }
        let segments = names.map(Segment.init)
        var keys: [String] = []
        for (offset, segment) in segments.enumerated() {
            switch segment {
            case .literal: continue
            case .param(let key): keys.append(key)
            case .catchAll(let key):
                // Only last (`[...rest].js`, or `[...rest]/index.js`).
                guard offset == segments.count - 1 || (offset == segments.count - 2 && names.last == "index")
                else { return }
                keys.append(key)
            }
        }
        guard Set(keys).count == keys.count else { return }
        if names == ["main"], main == nil { main = file }
        var catchAllFolder = false
        if names.last == "index", segments.count > 1, case .catchAll = segments[segments.count - 2] {
            catchAllFolder = true
        }
        // `x/index.js` answers `/api/x` (after `x.js`) and, like any file, `/api/x/index`.
        if !catchAllFolder { Self.add(segments[...], file: file, isIndex: false, to: &root) }
        if names.last == "index" { Self.add(segments.dropLast(), file: file, isIndex: true, to: &root) }
        depth = max(depth, segments.count)
    }

    private static func add(_ segments: ArraySlice<Segment>, file: String, isIndex: Bool, to node: inout Node) {
        guard let first = segments.first else {
            if node.file == nil || (node.fileIsIndex && !isIndex) {
                node.file = file
                node.fileIsIndex = isIndex
            }
            return
        }
        let rest = segments.dropFirst()
        switch first {
        case .literal(let name):
            add(rest, file: file, isIndex: isIndex, to: &node.literals[name, default: Node()])
        case .param(let name):
            if let at = node.params.firstIndex(where: { $0.name == name }) {
                add(rest, file: file, isIndex: isIndex, to: &node.params[at].node)
            } else {
                var child = Node()
                add(rest, file: file, isIndex: isIndex, to: &child)
                node.params.append(Param(name: name, node: child))
                node.params.sort { $0.name < $1.name }
            }
        case .catchAll(let name):
            guard rest.isEmpty else { return }
            if node.catchAll == nil || (node.catchAll?.isIndex == true && !isIndex) {
                node.catchAll = CatchAll(name: name, file: file, isIndex: isIndex)
            }
        }
    }
}

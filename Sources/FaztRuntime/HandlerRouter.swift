/// Which `api/` file handles a request path (pure; tested without JavaScript).
///
/// `/api/users` → `api/users.js` or `api/users/index.js`; a deeper path falls back to the longest
/// matching prefix (`/api/users/42` → `api/users.js`); anything else under `/api` → `api/main.js`.
/// Files and folders whose name starts with `_` are helpers, never routes.
public enum HandlerRouter {
    /// True for `/api` and `/api/...`.
    public static func isAPIPath(_ path: String) -> Bool {
        path == "/api" || path.hasPrefix("/api/")
    }

    /// The handler file for `path` (decoded, starting with `/api`), or nil when none exists.
    public static func handler(for path: String, exists: (String) -> Bool) -> String? {
        let segments = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: true)
        let routable = segments.allSatisfy { !$0.hasPrefix("_") && !$0.hasPrefix(".") && !$0.contains("\\") }
        if routable {
            var count = segments.count
            while count > 0 {
                let base = "api/" + segments.prefix(count).joined(separator: "/")
                if exists(base + ".js") { return base + ".js" }
                if exists(base + "/index.js") { return base + "/index.js" }
                count -= 1
            }
        }
        if segments.isEmpty && exists("api/index.js") { return "api/index.js" }
        return exists("api/main.js") ? "api/main.js" : nil
    }
}

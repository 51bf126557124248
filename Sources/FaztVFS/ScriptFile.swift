/// Which files hold server code a deploy checks and the runtime can load as a module.
public enum ScriptFile {
    /// The extensions of modules: CommonJS or ES module JavaScript, and TypeScript.
    public static let extensions = [".js", ".mjs", ".ts", ".mts"]

    /// Whether `path` is a module (`api/x.ts`), not a TypeScript declaration file (`x.d.ts`).
    public static func isModule(_ path: String) -> Bool {
        guard !path.hasSuffix(".d.ts"), !path.hasSuffix(".d.mts") else { return false }
        return extensions.contains { path.hasSuffix($0) }
    }

    /// `path` without its module extension (`api/users.ts` → `api/users`).
    public static func stem(_ path: String) -> Substring {
        guard let ext = extensions.first(where: { path.hasSuffix($0) }) else { return Substring(path) }
        return path.dropLast(ext.count)
    }
}

/// The prelude's `fazt.files`: the live version's own files, read-only, `private/` included.
///
/// Paths go to `host.fileList`/`host.readFile`, which answer only from this version's file list, so
/// no path can reach another app; `..` is refused here anyway, so that a mistake fails loudly
/// instead of reading as a missing file.
extension Prelude {
    static let files = #"""
          // ---- fazt.files ---------------------------------------------------------------------------
          function appFilePath(path, what) {
            if (typeof path !== "string") throw new FaztError("INVALID_ARGUMENT", `${what}: the path must be a string, like "private/notes.md"`);
            const relative = path.replace(/^\/+/, "");
            if (relative.split("/").includes("..")) {
              throw new FaztError("INVALID_ARGUMENT", `${what}: ${path}: ".." is not allowed: give the path from the app root, like "private/notes.md"`);
            }
            return relative;
          }
          const files = Object.freeze({
            list(prefix) {
              const start = prefix === undefined || prefix === null ? "" : appFilePath(prefix, "fazt.files.list");
              return JSON.parse(host.fileList(start));
            },
            read(path, options) {
              const binary = Boolean(options && options.binary);
              const content = host.readFile(appFilePath(path, "fazt.files.read"), binary);
              return content === null ? null : binary ? new Uint8Array(content) : content;
            },
          });

        """#
}

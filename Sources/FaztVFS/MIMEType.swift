/// Content types by file extension.
public enum MIMEType {
    private static let byExtension: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8", "json": "application/json",
        "map": "application/json", "webmanifest": "application/manifest+json",
        "txt": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8",
        "csv": "text/csv; charset=utf-8", "xml": "application/xml", "rss": "application/rss+xml",
        "atom": "application/atom+xml", "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg",
        "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp", "avif": "image/avif",
        "ico": "image/x-icon", "bmp": "image/bmp", "woff": "font/woff", "woff2": "font/woff2",
        "ttf": "font/ttf", "otf": "font/otf", "eot": "application/vnd.ms-fontobject",
        "wasm": "application/wasm", "pdf": "application/pdf", "zip": "application/zip",
        "gz": "application/gzip", "tar": "application/x-tar", "mp3": "audio/mpeg", "ogg": "audio/ogg",
        "wav": "audio/wav", "mp4": "video/mp4", "webm": "video/webm", "yaml": "application/yaml",
        "yml": "application/yaml", "toml": "application/toml", "ts": "text/plain; charset=utf-8",
    ]

    /// The content type for `path`, `application/octet-stream` when the extension is unknown.
    public static func forPath(_ path: String) -> String {
        guard let ext = fileExtension(path) else { return "application/octet-stream" }
        return byExtension[ext] ?? "application/octet-stream"
    }

    /// The lower-cased extension of the last path segment, if it has one.
    public static func fileExtension(_ path: String) -> String? {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return name[name.index(after: dot)...].lowercased()
    }

    /// True for types worth gzipping (text, JSON, JS, SVG, XML, fonts without built-in compression).
    public static func isCompressible(_ mime: String) -> Bool {
        mime.hasPrefix("text/") || mime.hasPrefix("application/json") || mime.hasPrefix("application/xml")
            || mime.hasPrefix("image/svg") || mime.hasPrefix("application/manifest")
            || mime.hasPrefix("application/rss") || mime.hasPrefix("application/atom")
            || mime.hasPrefix("application/yaml") || mime.hasPrefix("application/toml")
            || mime == "application/wasm" || mime == "font/ttf" || mime == "font/otf"
            || mime == "image/x-icon" || mime == "image/bmp"
    }
}

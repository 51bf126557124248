import FaztVFS
import Foundation

/// What a static path resolves to within an app's live version (pure; no I/O).
enum StaticOutcome: Equatable {
    /// Serve this file with this status (200, or 404 for the app's own `404.html`).
    case file(path: String, entry: FileEntry, notFound: Bool)
    /// `/dir` that has an index: redirect to `/dir/`.
    case redirect(location: String)
    /// Nothing to serve and no `404.html`.
    case notFound
}

/// The static serving rules: exact file → `dir/index.html` → SPA fallback → `404.html` → 404.
enum StaticResolver {
    /// Top-level folders that hold code or secrets and are never served as files.
    static let hiddenRoots: Set<Substring> = ["api", "private"]
    /// Files that are configuration, not content.
    static let hiddenFiles: Set<String> = ["fazt.json"]

    static func resolve(_ snapshot: AppSnapshot, path rawPath: String, query: String?) -> StaticOutcome {
        guard let relative = decode(rawPath) else { return notFound(snapshot) }
        func servable(_ path: String) -> FileEntry? {
            if hiddenFiles.contains(path) { return nil }
            if let root = path.split(separator: "/", maxSplits: 1).first, hiddenRoots.contains(root) { return nil }
            return snapshot.files[path]
        }
        if relative.isEmpty || relative.hasSuffix("/") {
            let index = relative + "index.html"
            if let entry = servable(index) { return .file(path: index, entry: entry, notFound: false) }
        } else {
            if let entry = servable(relative) { return .file(path: relative, entry: entry, notFound: false) }
            if servable(relative + "/index.html") != nil {
                let location = (rawPath.hasPrefix("/") ? rawPath : "/" + rawPath) + "/"
                return .redirect(location: query.map { location + "?" + $0 } ?? location)
            }
        }
        if snapshot.manifest.spa, MIMEType.fileExtension(relative) == nil, let entry = servable("index.html") {
            return .file(path: "index.html", entry: entry, notFound: false)
        }
        return notFound(snapshot)
    }

    private static func notFound(_ snapshot: AppSnapshot) -> StaticOutcome {
        if let entry = snapshot.files["404.html"] { return .file(path: "404.html", entry: entry, notFound: true) }
        return .notFound
    }

    /// Percent-decodes a path and drops the leading slash; nil for paths that could escape or are malformed.
    static func decode(_ path: String) -> String? {
        // Fast path: a plain "/a/b.css" needs no decoding or normalization.
        if isPlain(path) { return String(path.dropFirst()) }
        guard let decoded = path.removingPercentEncoding else { return nil }
        guard !decoded.utf8.contains(0), !decoded.contains("\\") else { return nil }
        var segments: [Substring] = []
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part.isEmpty || part == "." {
                // Keep a trailing slash meaningful ("dir/" asks for the index); drop other empties.
                if index == parts.count - 1 && index > 0 { segments.append("") }
                continue
            }
            if part == ".." { return nil }
            segments.append(part)
        }
        return segments.joined(separator: "/")
    }

    private static func isPlain(_ path: String) -> Bool {
        var previous: UInt8 = 0
        var first = true
        for byte in path.utf8 {
            if first {
                guard byte == UInt8(ascii: "/") else { return false }
                first = false
            }
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: "\\") || byte < 0x20 { return false }
            // "//", "/." (covers "." and ".." segments and dotfiles, which the slow path handles)
            if previous == UInt8(ascii: "/") && (byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".")) {
                return false
            }
            previous = byte
        }
        return !first
    }

    /// `Cache-Control` for a file: HTML revalidates, fingerprinted assets are immutable.
    static func cacheControl(path: String, mime: String) -> String {
        if mime.hasPrefix("text/html") { return "no-cache" }
        if isFingerprinted(path) { return "public, max-age=31536000, immutable" }
        return "public, max-age=300"
    }

    /// True for names like `index-3f9a2b1c.js`: a `-` and 8 or more letters/digits before the extension.
    static func isFingerprinted(_ path: String) -> Bool {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), let dash = name[..<dot].lastIndex(of: "-") else { return false }
        let tag = name[name.index(after: dash)..<dot]
        return tag.count >= 8 && tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

/// Turns raw archive entry names into safe app-relative paths, or explains why they are refused.
enum EntryPath {
    /// Entries that archivers add and nobody means to deploy.
    static func isJunk(_ path: String) -> Bool {
        path.hasPrefix("__MACOSX/") || path == ".DS_Store" || path.hasSuffix("/.DS_Store")
    }

    /// Validates and normalizes `raw` ("./a//b" → "a/b"); throws naming the entry.
    static func normalize(_ raw: [UInt8], maxBytes: Int) throws(VFSError) -> String {
        guard let name = String(validating: raw, as: UTF8.self) else {
            let shown = String(decoding: raw, as: UTF8.self)
            throw VFSError(.badArchive, "entry '\(shown)': name is not valid UTF-8")
        }
        guard !name.isEmpty else { throw VFSError(.badArchive, "an entry has an empty name") }
        guard raw.count <= maxBytes else {
            throw VFSError(.badArchive, "entry '\(name.prefix(80))…': path is longer than \(maxBytes) bytes")
        }
        if name.hasPrefix("/") {
            throw VFSError(.badArchive, "entry '\(name)': absolute paths are not allowed")
        }
        if raw.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) {
            throw VFSError(.badArchive, "entry '\(name)': control characters and backslashes are not allowed in paths")
        }
        var parts: [Substring] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                throw VFSError(.badArchive, "entry '\(name)': '..' segments would escape the app root")
            }
            parts.append(part)
        }
        guard !parts.isEmpty else { throw VFSError(.badArchive, "entry '\(name)': names no file") }
        return parts.joined(separator: "/")
    }
}

import FaztJSON

/// Reads `fazt.json` text (the one JSON reader, `FaztJSON`) with errors a person can act on.
public enum ManifestJSON {
    /// Parses `bytes`; throws `badManifest` naming the line and column of the first error.
    public static func parse(_ bytes: [UInt8]) throws(VFSError) -> JSONValue {
        do {
            return try JSONValue.decode(bytes, maxDepth: 64)
        } catch {
            let (line, column) = error.position(in: bytes)
            throw VFSError(.badManifest, "fazt.json is not valid JSON: line \(line), column \(column): \(error.reason)")
        }
    }
}

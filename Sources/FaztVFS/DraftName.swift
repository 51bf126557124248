/// Validates draft names: `[a-z0-9][a-z0-9-]{0,39}`.
public enum DraftName {
    /// The rule, as error messages and docs state it.
    public static let rule = "1-40 lower-case letters, digits or '-', starting with a letter or digit"

    /// Returns `raw` when it is a valid draft name, or throws `invalidName` stating the rule.
    public static func validate(_ raw: String) throws(VFSError) -> String {
        let bytes = Array(raw.utf8)
        func allowed(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        guard !bytes.isEmpty, bytes.count <= 40, allowed(bytes[0]),
            bytes.allSatisfy({ allowed($0) || $0 == UInt8(ascii: "-") })
        else {
            throw VFSError(.invalidName, "invalid draft name '\(raw)': use \(rule)")
        }
        return raw
    }

    /// Validates a file path inside a draft exactly like an archive entry's, naming it as a path.
    static func path(_ raw: String, limits: DeployLimits) throws(VFSError) -> String {
        let path: String
        do {
            path = try EntryPath.normalize(Array(raw.utf8), maxBytes: limits.maxPathBytes)
        } catch {
            // EntryPath names archive entries; here the same rules apply to a file path.
            let message = error.message.hasPrefix("entry ") ? "path " + error.message.dropFirst(6) : "the path is empty"
            throw VFSError(.invalidPath, message)
        }
        if EntryPath.isJunk(path) {
            throw VFSError(.invalidPath, "path '\(path)' is archiver junk that deploys leave out; choose another path")
        }
        return path
    }
}

/// Where backups go: a local directory or an S3-compatible bucket and key prefix.
public enum BackupTarget: Sendable, Equatable, CustomStringConvertible {
    case directory(String)
    case s3(bucket: String, prefix: String)

    /// Parses `PATH` or `s3://bucket/prefix` (the prefix may be empty).
    public static func parse(_ text: String) throws -> BackupTarget {
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let bucket = String(parts.first ?? "")
            guard (3...63).contains(bucket.count),
                bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." }),
                bucket.allSatisfy(\.isASCII)
            else {
                throw BackupError(
                    .invalidArgument,
                    "'\(text)' names no valid bucket: write s3://BUCKET/PREFIX (3-63 lower-case letters, digits, '-', '.')"
                )
            }
            var prefix = parts.count > 1 ? String(parts[1]) : ""
            while prefix.hasSuffix("/") { prefix.removeLast() }
            return .s3(bucket: bucket, prefix: prefix)
        }
        guard !text.isEmpty, !text.contains("://") else {
            throw BackupError(.invalidArgument, "'\(text)' is neither a directory path nor s3://BUCKET/PREFIX")
        }
        return .directory(text)
    }

    /// The object key of `name` under an S3 prefix.
    static func key(prefix: String, name: String) -> String { prefix.isEmpty ? name : "\(prefix)/\(name)" }

    public var description: String {
        switch self {
        case .directory(let path): return path
        case .s3(let bucket, let prefix): return "s3://\(bucket)/\(prefix)"
        }
    }
}

/// Size limits of app storage (breaking one is a `TOO_LARGE` error).
public enum StorageLimits {
    public static let keyBytes = 1024
    public static let valueBytes = 1 << 20
    public static let documentBytes = 1 << 20
    public static let blobBytes = 50 << 20
    public static let listLimit = 1000
    public static let defaultListLimit = 100
    public static let findLimit = 10_000
    /// Default per-app quota (`--storage-quota`).
    public static let defaultQuotaBytes: Int64 = 1 << 30

    static func checkKey(_ key: String, what: String = "key") throws(StorageError) {
        guard !key.isEmpty else { throw StorageError(.invalidArgument, "\(what) must be a non-empty string") }
        guard key.utf8.count <= keyBytes else {
            throw StorageError(.tooLarge, "\(what) is \(key.utf8.count) bytes; the limit is \(keyBytes)")
        }
    }
}

/// Parses a duration: milliseconds as a number, or text like `"500ms"`, `"90s"`, `"10m"`, `"2h"`, `"7d"`.
public enum DurationText {
    public static func milliseconds(_ text: String) -> Int64? {
        let trimmed = text.filter { $0 != " " }
        if let number = Double(trimmed), number.isFinite, number >= 0 { return Int64(number) }
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number.isFinite, number >= 0,
                number * scale < 1e15
            else { return nil }
            return Int64(number * scale)
        }
        return nil
    }
}

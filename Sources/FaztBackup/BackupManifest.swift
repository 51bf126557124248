import Foundation

/// What a backup holds, written beside it as `<name>.json` (and uploaded with it to S3).
public struct BackupManifest: Codable, Sendable, Equatable {
    /// The format of this manifest and its backup (1: gzip of a SQLite database file).
    public var format: Int = 1
    /// The backup file's name, `fazt-backup-<UTC time>.db.gz`.
    public var name: String
    /// When the copy was taken (milliseconds since 1970).
    public var createdAt: Int64
    /// The copy's schema version (migrations applied).
    public var schemaVersion: Int
    /// Size of the database file inside.
    public var databaseBytes: Int64
    /// Size of the compressed file.
    public var bytes: Int64
    /// SHA-256 of the compressed file (hex).
    public var sha256: String
    /// Whether the secret key was written beside it (`<name>.key`, never uploaded).
    public var keyIncluded: Bool
    /// How long taking the copy, checking and compressing it took.
    public var durationMs: Int64
    /// The parts of `durationMs`: the copy, `integrity_check`, gzip (for tuning; absent in old manifests).
    public var copyMs: Int64?
    public var checkMs: Int64?
    public var compressMs: Int64?

    /// The name prefix shared by every backup file.
    public static let prefix = "fazt-backup-"
    /// The suffix of a backup file.
    public static let suffix = ".db.gz"

    /// The file name of a backup taken at `millis`: `fazt-backup-20261130T180000Z.db.gz` (a second
    /// apart at least, so names sort by time).
    public static func name(at millis: Int64) -> String {
        prefix + UTCTime(secondsSince1970: millis / 1000).basic + suffix
    }

    /// True for names `name(at:)` makes (so retention never touches other files).
    public static func isBackupName(_ name: String) -> Bool {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return false }
        let stamp = name.dropFirst(prefix.count).dropLast(suffix.count)
        return stamp.count == 16 && stamp.allSatisfy { $0.isNumber || $0 == "T" || $0 == "Z" }
    }

    public init(
        name: String,
        createdAt: Int64,
        schemaVersion: Int,
        databaseBytes: Int64,
        bytes: Int64,
        sha256: String,
        keyIncluded: Bool,
        durationMs: Int64
    ) {
        self.name = name
        self.createdAt = createdAt
        self.schemaVersion = schemaVersion
        self.databaseBytes = databaseBytes
        self.bytes = bytes
        self.sha256 = sha256
        self.keyIncluded = keyIncluded
        self.durationMs = durationMs
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try encoder.encode(self)) + [0x0A]
    }
}

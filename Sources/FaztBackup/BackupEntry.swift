/// One backup found at a target (`fazt backup list`).
public struct BackupEntry: Sendable, Equatable {
    /// `fazt-backup-<UTC time>.db.gz`.
    public var name: String
    /// Where to restore it from: a file path or an `s3://` URL.
    public var location: String
    /// Size of the compressed file.
    public var bytes: Int64
    /// When it was taken (from its manifest, else its name), milliseconds since 1970.
    public var createdAt: Int64
    /// Schema version and SHA-256, when its manifest is at hand (directory targets).
    public var schemaVersion: Int?
    public var sha256: String?
    /// Whether its secret key was saved beside it.
    public var keyIncluded: Bool

    /// The time a backup name spells (ms), or nil.
    static func time(ofName name: String) -> Int64? {
        guard BackupManifest.isBackupName(name) else { return nil }
        let stamp = Array(name.dropFirst(BackupManifest.prefix.count).prefix(15))
        func number(_ range: Range<Int>) -> Int? { Int(String(stamp[range])) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15)
        else { return nil }
        // Days from the civil date (proleptic Gregorian), without Foundation's calendar.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Int64(((days * 24 + hour) * 60 + minute) * 60 + second) * 1000
    }
}

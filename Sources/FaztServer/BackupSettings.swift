/// Scheduled backups (`fazt serve --backup-every 6h --backup-keep 14 --backup-to PATH|s3://…`).
public struct BackupSettings: Sendable {
    /// Milliseconds between scheduled backups; nil: no schedule (backups only on request).
    public var everyMs: Int64?
    /// Backups kept at the target (oldest deleted first); nil keeps all.
    public var keep: Int?
    /// Where scheduled backups and `fazt backup create` without `--to` go; nil: `backups/` beside
    /// `data.db`.
    public var target: String?

    public init() {}
}

/// `POST /backups`: take a backup now.
public struct BackupRequest: Codable, Sendable {
    /// A directory on the server or `s3://bucket/prefix`; nil: the server's backup target
    /// (`--backup-to`, else `backups/` beside `data.db`).
    public var to: String?
    /// Also write the secret key beside the backup (`<name>.key`, mode 0600; directory targets only).
    public var includeKey: Bool?

    public init(to: String? = nil, includeKey: Bool? = nil) {
        self.to = to
        self.includeKey = includeKey
    }
}

/// One backup: the answer to `POST /backups` and an entry of `GET /backups`.
public struct BackupBody: Codable, Sendable {
    public var name: String
    /// A path on the server or an `s3://` URL: what `fazt backup restore` takes.
    public var location: String
    /// Compressed size.
    public var bytes: Int64
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public var schemaVersion: Int?
    public var databaseBytes: Int64?
    public var sha256: String?
    public var keyIncluded: Bool
    public var durationMs: Int64?

    public init(
        name: String,
        location: String,
        bytes: Int64,
        createdAt: Int64,
        schemaVersion: Int? = nil,
        databaseBytes: Int64? = nil,
        sha256: String? = nil,
        keyIncluded: Bool,
        durationMs: Int64? = nil
    ) {
        self.name = name
        self.location = location
        self.bytes = bytes
        self.createdAt = createdAt
        self.schemaVersion = schemaVersion
        self.databaseBytes = databaseBytes
        self.sha256 = sha256
        self.keyIncluded = keyIncluded
        self.durationMs = durationMs
    }
}

/// The last backup's outcome (also behind the `/metrics` backup gauges and the owner page).
public struct BackupStatusBody: Codable, Sendable {
    public var lastAt: Int64?
    public var lastOK: Bool?
    public var lastError: String?
    public var lastSuccessAt: Int64?
    public var lastName: String?
    public var lastBytes: Int64?
    public var lastDurationMs: Int64?
    public var lastTarget: String?
    /// Seconds since the last successful backup.
    public var ageSeconds: Double?
    /// The schedule (`--backup-every`, in seconds) and retention (`--backup-keep`), when set.
    public var everySeconds: Int64?
    public var keep: Int?

    public init() {}
}

/// `GET /backups`: the backups at a target, oldest first, and the last outcome.
public struct BackupList: Codable, Sendable {
    public var target: String
    public var backups: [BackupBody]
    public var status: BackupStatusBody

    public init(target: String, backups: [BackupBody], status: BackupStatusBody) {
        self.target = target
        self.backups = backups
        self.status = status
    }
}

/// `POST /apps/{name}/restore`: the restore point and what to restore.
///
/// Name one point: `version`, `snapshot` or `seq`. With neither `data` nor `code` given, a version
/// restores both and a snapshot or journal position the data; with one given, the other defaults
/// to false.
public struct RestoreRequest: Codable, Sendable {
    public var version: Int?
    /// A snapshot name or a raw journal position (a restore's `undo.seq`).
    ///
    /// Both restore data only.
    public var snapshot: String?
    public var seq: Int64?
    public var data: Bool?
    public var code: Bool?

    public init(version: Int? = nil, snapshot: String? = nil, seq: Int64? = nil, data: Bool? = nil, code: Bool? = nil) {
        self.version = version
        self.snapshot = snapshot
        self.seq = seq
        self.data = data
        self.code = code
    }
}

/// The answer to a restore.
public struct RestoreBody: Codable, Sendable {
    /// Restoring to `seq` undoes this restore.
    public struct Undo: Codable, Sendable {
        public var seq: Int64
        public init(seq: Int64) { self.seq = seq }
    }

    public var app: String
    public var version: Int?
    public var snapshot: String?
    public var data: Bool
    public var code: Bool
    /// The journal position after the restore.
    public var journalSeq: Int64
    /// The journal position the data went back to (when `data`).
    public var restoredTo: Int64?
    /// Row changes undone.
    public var changes: Int
    /// The live version afterwards.
    public var live: Int?
    public var undo: Undo

    public init(
        app: String,
        version: Int?,
        snapshot: String?,
        data: Bool,
        code: Bool,
        journalSeq: Int64,
        restoredTo: Int64?,
        changes: Int,
        live: Int?,
        undo: Undo
    ) {
        self.app = app
        self.version = version
        self.snapshot = snapshot
        self.data = data
        self.code = code
        self.journalSeq = journalSeq
        self.restoredTo = restoredTo
        self.changes = changes
        self.live = live
        self.undo = undo
    }
}

/// `POST /apps/{name}/snapshots` `{"name"}` (name optional).
public struct SnapshotRequest: Codable, Sendable {
    public var name: String?
    public init(name: String? = nil) { self.name = name }
}

/// One named data restore point.
public struct SnapshotBody: Codable, Sendable {
    public var app: String
    public var name: String
    /// The journal position it names.
    public var seq: Int64
    public var createdAt: Int64

    public init(app: String, name: String, seq: Int64, createdAt: Int64) {
        self.app = app
        self.name = name
        self.seq = seq
        self.createdAt = createdAt
    }
}

/// `GET /apps/{name}/snapshots`.
public struct SnapshotList: Codable, Sendable {
    public var app: String
    public var snapshots: [SnapshotBody]
    public init(app: String, snapshots: [SnapshotBody]) {
        self.app = app
        self.snapshots = snapshots
    }
}

/// An app's data journal in `GET /apps/{name}`.
public struct JournalBody: Codable, Sendable {
    /// Whether the server journals data changes now (`fazt serve --data-journal`).
    public var enabled: Bool
    public var entries: Int
    public var bytes: Int64
    /// The oldest journal position the app's data can be restored to.
    public var oldestSeq: Int64
    /// When the oldest retained entry was written (ms), if any.
    public var oldestAt: Int64?
    /// The newest journal position.
    public var seq: Int64
    /// Retention: entries older than this many days, or beyond this many bytes per app, are pruned.
    public var maxAgeDays: Int
    public var maxBytes: Int64

    public init(
        enabled: Bool,
        entries: Int,
        bytes: Int64,
        oldestSeq: Int64,
        oldestAt: Int64?,
        seq: Int64,
        maxAgeDays: Int,
        maxBytes: Int64
    ) {
        self.enabled = enabled
        self.entries = entries
        self.bytes = bytes
        self.oldestSeq = oldestSeq
        self.oldestAt = oldestAt
        self.seq = seq
        self.maxAgeDays = maxAgeDays
        self.maxBytes = maxBytes
    }
}

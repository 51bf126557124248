/// One app as the control API lists it.
public struct AppInfo: Codable, Sendable, Equatable {
    public var name: String
    /// The version being served (nil only while an app has no live version).
    public var version: Int?
    /// How many versions are kept.
    public var versions: Int
    /// Files and bytes of the live version.
    public var files: Int
    public var bytes: Int
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// One immutable version of an app.
public struct VersionInfo: Codable, Sendable, Equatable {
    public var version: Int
    public var parent: Int?
    public var files: Int
    public var bytes: Int
    /// How it was made (`upload`, `cli`, `git`, …).
    public var source: String
    public var message: String?
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public var live: Bool
    /// The version's git commit id (40 hex digits).
    public var commit: String?
    /// Tags naming it (`fazt tag`); tagged versions are kept however old.
    public var tags: [String] = []
    /// Its data restore point: the journal position when it first went live (nil: before journaling).
    public var journalSeq: Int64?
}

/// The result of a successful deploy.
public struct DeployResult: Sendable, Equatable {
    public var app: String
    public var version: Int
    public var files: Int
    public var bytes: Int
    /// The version's `fazt.json` text (nil when it has none).
    public var manifest: String?
    /// Archive entries left out as archiver junk (`__MACOSX/…`, `.DS_Store`).
    public var skipped: [String] = []
}

/// One file of a version: where its bytes are and how to label them.
public struct FileEntry: Sendable, Equatable {
    public var hash: ContentHash
    public var size: Int
    public var mime: String

    public init(hash: ContentHash, size: Int, mime: String) {
        self.hash = hash
        self.size = size
        self.mime = mime
    }
}

/// Everything needed to route requests to an app's live version without touching SQLite.
public struct AppSnapshot: Sendable {
    public var app: String
    public var version: Int
    public var manifest: Manifest
    /// Milliseconds since 1970; used for `Last-Modified`.
    public var createdAt: Int64
    public var files: [String: FileEntry]

    public init(app: String, version: Int, manifest: Manifest, createdAt: Int64, files: [String: FileEntry]) {
        self.app = app
        self.version = version
        self.manifest = manifest
        self.createdAt = createdAt
        self.files = files
    }
}

/// A blob's bytes and, for text types, its precomputed gzip variant.
public struct BlobContent: Sendable {
    public var data: [UInt8]
    public var gzip: [UInt8]?

    public init(data: [UInt8], gzip: [UInt8]?) {
        self.data = data
        self.gzip = gzip
    }
}

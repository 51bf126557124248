/// One immutable version of an app, as `GET /apps/{name}/versions` lists it.
public struct VersionBody: Codable, Sendable, Equatable {
    public var version: Int
    public var parent: Int?
    public var files: Int
    public var bytes: Int
    /// How it was made (`upload`, `cli`, `git`, …).
    public var source: String
    public var message: String?
    /// Milliseconds since 1970.
    public var createdAt: Int64
    /// Whether it is the version being served.
    public var live: Bool
    /// The version's git commit id (40 hex digits); nil only from servers that predate it.
    public var commit: String?
    /// Tags naming it; kept by retention however old (nil from servers that predate tags).
    public var tags: [String]?
    /// Its data restore point (`POST /apps/{name}/restore`): the journal position when it first went
    /// live; nil for versions live before data journaling.
    public var journalSeq: Int64?

    /// Creates a version body.
    public init(
        version: Int,
        parent: Int?,
        files: Int,
        bytes: Int,
        source: String,
        message: String?,
        createdAt: Int64,
        live: Bool,
        commit: String? = nil,
        tags: [String]? = nil,
        journalSeq: Int64? = nil
    ) {
        self.version = version
        self.parent = parent
        self.files = files
        self.bytes = bytes
        self.source = source
        self.message = message
        self.createdAt = createdAt
        self.live = live
        self.commit = commit
        self.tags = tags
        self.journalSeq = journalSeq
    }
}

/// `GET /apps/{name}/versions`.
public struct VersionList: Codable, Sendable {
    public var app: String
    public var versions: [VersionBody]

    /// Creates a list.
    public init(app: String, versions: [VersionBody]) {
        self.app = app
        self.versions = versions
    }
}

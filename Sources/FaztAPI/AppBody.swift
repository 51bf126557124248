/// One app in API responses (`GET /apps/{name}`, `POST /apps/{name}/rollback`).
public struct AppBody: Codable, Sendable {
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
    /// Where the app is served.
    public var url: String
    /// Storage use (`GET /apps/{name}` only).
    public var storage: StorageBody?
    /// The data journal: restore points' reach and size (`GET /apps/{name}` only).
    public var journal: JournalBody?

    /// Creates an app body.
    public init(
        name: String,
        version: Int?,
        versions: Int,
        files: Int,
        bytes: Int,
        createdAt: Int64,
        updatedAt: Int64,
        url: String,
        storage: StorageBody? = nil
    ) {
        self.name = name
        self.version = version
        self.versions = versions
        self.files = files
        self.bytes = bytes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.url = url
        self.storage = storage
    }
}

/// `GET /apps`.
public struct AppList: Codable, Sendable {
    public var apps: [AppBody]

    /// Creates a list.
    public init(apps: [AppBody]) { self.apps = apps }
}

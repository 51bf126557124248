import FaztVFS

// The control API's JSON shapes, shared by the server and the CLI (one definition per contract).

/// `POST /apps/{name}/deploy` → 201.
public struct DeployBody: Codable, Sendable {
    public var app: String
    public var version: Int
    public var files: Int
    public var bytes: Int
    public var url: String
}

/// `POST /apps/{name}/rollback` request.
public struct RollbackBody: Codable, Sendable {
    public var version: Int

    public init(version: Int) { self.version = version }
}

/// One app in API responses: `AppInfo` plus its URL.
public struct AppBody: Codable, Sendable {
    public var name: String
    public var version: Int?
    public var versions: Int
    public var files: Int
    public var bytes: Int
    public var createdAt: Int64
    public var updatedAt: Int64
    public var url: String

    init(_ info: AppInfo, url: String) {
        self.name = info.name
        self.version = info.version
        self.versions = info.versions
        self.files = info.files
        self.bytes = info.bytes
        self.createdAt = info.createdAt
        self.updatedAt = info.updatedAt
        self.url = url
    }
}

/// `GET /apps`.
public struct AppList: Codable, Sendable {
    public var apps: [AppBody]
}

/// `GET /apps/{name}/versions`.
public struct VersionList: Codable, Sendable {
    public var app: String
    public var versions: [VersionInfo]
}

/// `GET /tokens`.
public struct TokenList: Codable, Sendable {
    public var tokens: [TokenInfo]
}

/// `POST /tokens` request.
public struct TokenRequest: Codable, Sendable {
    public var name: String?
}

/// `POST /tokens` → 201 (the only time a secret is shown).
public struct CreatedToken: Codable, Sendable {
    public var id: String
    public var name: String
    public var token: String
}

import FaztVFS

/// `POST /apps/{name}/deploy` → 201.
struct DeployBody: Codable, Sendable {
    var app: String
    var version: Int
    var files: Int
    var bytes: Int
    var url: String
}

/// `POST /apps/{name}/rollback` request.
struct RollbackBody: Codable, Sendable {
    var version: Int
}

/// One app in API responses: `AppInfo` plus its URL.
struct AppBody: Codable, Sendable {
    var name: String
    var version: Int?
    var versions: Int
    var files: Int
    var bytes: Int
    var createdAt: Int64
    var updatedAt: Int64
    var url: String

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

struct AppList: Codable, Sendable {
    var apps: [AppBody]
}

struct VersionList: Codable, Sendable {
    var app: String
    var versions: [VersionInfo]
}

struct TokenList: Codable, Sendable {
    var tokens: [TokenInfo]
}

struct TokenRequest: Codable, Sendable {
    var name: String?
}

struct CreatedToken: Codable, Sendable {
    var id: String
    var name: String
    var token: String
}

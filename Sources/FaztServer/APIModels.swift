import FaztAPI
import FaztStorage
import FaztVFS

// The control API's JSON shapes, shared by the server and the CLI (one definition per contract).

/// One app in API responses: `AppInfo`'s fields plus `url`, in one flat JSON object.
@dynamicMemberLookup
public struct AppBody: Codable, Sendable {
    public var info: AppInfo
    public var url: String
    /// Storage use (`GET /apps/{name}` only).
    public var storage: StorageBody?

    private enum CodingKeys: String, CodingKey {
        case url
        case storage
    }

    init(_ info: AppInfo, url: String) {
        self.info = info
        self.url = url
    }

    public init(from decoder: Decoder) throws {
        info = try AppInfo(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        storage = try container.decodeIfPresent(StorageBody.self, forKey: .storage)
    }

    public func encode(to encoder: Encoder) throws {
        try info.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encodeIfPresent(storage, forKey: .storage)
    }

    /// Reads `AppInfo`'s fields directly (`body.name`, `body.version`, …).
    public subscript<T>(dynamicMember keyPath: KeyPath<AppInfo, T>) -> T { info[keyPath: keyPath] }
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

extension StorageBody {
    init(_ usage: StorageUsage, defaultQuota: Int64) {
        self.init(
            bytes: usage.total,
            kv: usage.kv,
            docs: usage.docs,
            sql: usage.sql,
            blobs: usage.blobs,
            events: usage.events,
            quota: usage.quota.map(Int64.init) ?? defaultQuota
        )
    }
}

/// One tag of an app, as `GET /apps/{name}/tags` lists it and `PUT /apps/{name}/tags/{tag}` answers.
public struct TagBody: Codable, Sendable, Equatable {
    public var name: String
    /// The tagged version; 0 when the tag names a commit that is no version (a pushed tag).
    public var version: Int
    /// The tagged commit (40 hex digits).
    public var commit: String

    /// Creates a tag body.
    public init(name: String, version: Int, commit: String) {
        self.name = name
        self.version = version
        self.commit = commit
    }
}

/// `GET /apps/{name}/tags`.
public struct TagList: Codable, Sendable {
    public var app: String
    public var tags: [TagBody]

    /// Creates a list.
    public init(app: String, tags: [TagBody]) {
        self.app = app
        self.tags = tags
    }
}

/// The body of `PUT /apps/{name}/tags/{tag}`.
public struct TagRequest: Codable, Sendable {
    public var version: Int

    /// Creates a request.
    public init(version: Int) { self.version = version }
}

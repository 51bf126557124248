/// `GET /apps/{name}/versions/{a}...{b}/diff`: changed paths and a unified diff.
public struct VersionDiffBody: Codable, Sendable, Equatable {
    public var app: String
    public var from: Int
    public var to: Int
    public var files: [FileChangeBody]
    /// Unified diff text (`diff --git` sections, like git's).
    public var diff: String
    /// True when some files' sections were left out of `diff` to keep it under the cap.
    public var truncated: Bool
    /// How many changed files have no section in `diff`.
    public var omittedFiles: Int?

    /// Creates a body.
    public init(
        app: String,
        from: Int,
        to: Int,
        files: [FileChangeBody],
        diff: String,
        truncated: Bool,
        omittedFiles: Int?
    ) {
        self.app = app
        self.from = from
        self.to = to
        self.files = files
        self.diff = diff
        self.truncated = truncated
        self.omittedFiles = omittedFiles
    }
}

/// One changed path of a version diff.
public struct FileChangeBody: Codable, Sendable, Equatable {
    public var path: String
    /// `added`, `modified`, `deleted` or `renamed`.
    public var status: String
    /// The old path of a renamed file.
    public var from: String?
    public var binary: Bool
    /// Sizes in bytes; absent on the side where the file does not exist.
    public var oldSize: Int?
    public var newSize: Int?
    /// Lines added and removed; absent for binary files and files not diffed.
    public var additions: Int?
    public var deletions: Int?

    /// Creates a body.
    public init(
        path: String,
        status: String,
        from: String?,
        binary: Bool,
        oldSize: Int?,
        newSize: Int?,
        additions: Int?,
        deletions: Int?
    ) {
        self.path = path
        self.status = status
        self.from = from
        self.binary = binary
        self.oldSize = oldSize
        self.newSize = newSize
        self.additions = additions
        self.deletions = deletions
    }
}

/// How a path in a draft differs from the draft's base version.
public struct DraftChange: Codable, Sendable, Equatable {
    /// `added`, `modified` or `deleted`.
    public enum Kind: String, Codable, Sendable {
        case added, modified, deleted
    }

    public var path: String
    public var change: Kind
    /// The size the draft gives the file (nil when deleted).
    public var size: Int?

    public init(path: String, change: Kind, size: Int?) {
        self.path = path
        self.change = change
        self.size = size
    }
}

/// A draft: a named working set of changes on top of a base version.
public struct DraftInfo: Sendable, Equatable {
    public var app: String
    public var name: String
    /// The version the draft started from (nil when the app had no live version).
    public var base: Int?
    /// The app's live version now; differs from `base` once the app moved on.
    public var live: Int?
    /// Changed paths against `base`, by path.
    public var changes: [DraftChange]
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public var updatedAt: Int64
}

/// The outcome of writing or deleting one path in a draft.
public struct DraftWrite: Sendable, Equatable {
    public var app: String
    public var draft: String
    public var path: String
    public var size: Int
    public var base: Int?
    /// True when the path did not exist as the draft saw it before (a write created the file).
    public var created: Bool
}

/// What a draft commit asks for.
public struct DraftCommitOptions: Sendable {
    public var message: String?
    /// The version the caller believes is live; the commit is refused unless it still is.
    public var expectedParent: Int?
    /// Commit even though the app moved on since the draft's base (without `expectedParent`).
    public var force = false
    /// Make the new version live in the same transaction.
    public var deploy = true

    public init(message: String? = nil, expectedParent: Int? = nil, force: Bool = false, deploy: Bool = true) {
        self.message = message
        self.expectedParent = expectedParent
        self.force = force
        self.deploy = deploy
    }
}

/// The result of a draft commit: the new version, and whether it went live.
public struct DraftCommitResult: Sendable, Equatable {
    public var result: DeployResult
    public var live: Bool
}

/// The answer to writing or deleting one file of a draft.
public struct DraftFileBody: Codable, Sendable, Equatable {
    public var app: String
    public var draft: String
    public var path: String
    /// The file's size in the draft (0 after a deletion).
    public var size: Int
    /// The version the draft is based on.
    public var base: Int?
    /// True when the request deleted the file.
    public var deleted: Bool?

    /// Creates a draft file answer.
    public init(app: String, draft: String, path: String, size: Int, base: Int?, deleted: Bool? = nil) {
        self.app = app
        self.draft = draft
        self.path = path
        self.size = size
        self.base = base
        self.deleted = deleted
    }
}

/// One changed path of a draft against its base.
public struct DraftChangeBody: Codable, Sendable, Equatable {
    public var path: String
    /// `added`, `modified` or `deleted`.
    public var change: String
    /// The size the draft gives the file (absent when deleted).
    public var size: Int?

    /// Creates a change.
    public init(path: String, change: String, size: Int?) {
        self.path = path
        self.change = change
        self.size = size
    }
}

/// A draft as `GET /apps/{name}/drafts/{draft}` shows it.
public struct DraftBody: Codable, Sendable, Equatable {
    public var app: String
    public var draft: String
    /// The version the draft started from.
    public var base: Int?
    /// The app's live version now; a commit without `force` needs it to equal `base`.
    public var live: Int?
    public var changes: [DraftChangeBody]
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public var updatedAt: Int64

    /// Creates a draft body.
    public init(
        app: String,
        draft: String,
        base: Int?,
        live: Int?,
        changes: [DraftChangeBody],
        createdAt: Int64,
        updatedAt: Int64
    ) {
        self.app = app
        self.draft = draft
        self.base = base
        self.live = live
        self.changes = changes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// `GET /apps/{name}/drafts`.
public struct DraftList: Codable, Sendable, Equatable {
    public var app: String
    public var drafts: [DraftBody]

    /// Creates a draft list.
    public init(app: String, drafts: [DraftBody]) {
        self.app = app
        self.drafts = drafts
    }
}

/// The body of `POST /apps/{name}/drafts/{draft}/commit`.
public struct DraftCommitRequest: Codable, Sendable, Equatable {
    public var message: String?
    /// The version the caller believes is live; refused with 409 when it is not.
    public var expectedParent: Int?
    /// Make the version live (default true).
    public var deploy: Bool?
    /// Commit although the app moved on since the draft's base (ignored with `expectedParent`).
    public var force: Bool?

    /// Creates a commit request.
    public init(message: String? = nil, expectedParent: Int? = nil, deploy: Bool? = nil, force: Bool? = nil) {
        self.message = message
        self.expectedParent = expectedParent
        self.deploy = deploy
        self.force = force
    }
}

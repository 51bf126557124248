/// `POST /apps/{name}/git/push`: where to push the app's history.
public struct GitPushRequest: Codable, Sendable, Equatable {
    /// The repository's http(s) URL, without credentials.
    public var url: String
    /// The remote branch (default `main`); a full `refs/…` name is used as is.
    public var branch: String?
    /// Send a non-fast-forward update anyway.
    public var force: Bool?
    /// The app secret holding the token (sent as HTTP Basic auth).
    public var secret: String?
    /// The Basic auth user name (default `x-access-token`).
    public var user: String?

    public init(url: String, branch: String? = nil, force: Bool? = nil, secret: String? = nil, user: String? = nil) {
        self.url = url
        self.branch = branch
        self.force = force
        self.secret = secret
        self.user = user
    }
}

/// `POST /apps/{name}/git/pull`: which ref to import and deploy.
public struct GitPullRequest: Codable, Sendable, Equatable {
    public var url: String
    /// A branch, tag or full ref name (default: the remote's `HEAD` branch).
    public var ref: String?
    public var secret: String?
    public var user: String?

    public init(url: String, ref: String? = nil, secret: String? = nil, user: String? = nil) {
        self.url = url
        self.ref = ref
        self.secret = secret
        self.user = user
    }
}

/// The outcome of one pushed ref.
public struct GitRefResultBody: Codable, Sendable, Equatable {
    /// The full ref name (`refs/heads/main`).
    public var ref: String
    /// `ok`, `up-to-date`, `rejected` (refused here, nothing sent) or `remote-rejected`.
    public var status: String
    /// Why it was refused (`non-fast-forward`, the remote's `ng` reason).
    public var reason: String?
    /// The remote's commit before the push (absent for a new ref).
    public var old: String?
    public var new: String
    /// True when a non-fast-forward update was sent with `force`.
    public var forced: Bool

    public init(ref: String, status: String, reason: String?, old: String?, new: String, forced: Bool) {
        self.ref = ref
        self.status = status
        self.reason = reason
        self.old = old
        self.new = new
        self.forced = forced
    }
}

/// The answer to a push: each ref's real outcome and what the remote printed.
public struct GitPushBody: Codable, Sendable, Equatable {
    public var app: String
    public var url: String
    /// True when every ref was updated or already up to date.
    public var ok: Bool
    public var refs: [GitRefResultBody]
    /// The remote's `unpack` status (`ok` or its error); absent when nothing was sent.
    public var unpack: String?
    /// Lines the remote printed (hooks, progress), as git shows them after `remote:`.
    public var messages: [String]
    /// Objects sent.
    public var objects: Int

    public init(
        app: String,
        url: String,
        ok: Bool,
        refs: [GitRefResultBody],
        unpack: String?,
        messages: [String],
        objects: Int
    ) {
        self.app = app
        self.url = url
        self.ok = ok
        self.refs = refs
        self.unpack = unpack
        self.messages = messages
        self.objects = objects
    }
}

/// The answer to a pull: the commit fetched and the version it became.
public struct GitPullBody: Codable, Sendable, Equatable {
    public var app: String
    public var url: String
    /// The full ref name that was fetched.
    public var ref: String
    public var commit: String
    /// True when that commit was already live: nothing was deployed.
    public var upToDate: Bool
    /// The new live version (absent when up to date).
    public var version: Int?
    public var files: Int?
    /// Objects received.
    public var objects: Int
    public var messages: [String]
    public var appURL: String?

    public init(
        app: String,
        url: String,
        ref: String,
        commit: String,
        upToDate: Bool,
        version: Int?,
        files: Int?,
        objects: Int,
        messages: [String],
        appURL: String?
    ) {
        self.app = app
        self.url = url
        self.ref = ref
        self.commit = commit
        self.upToDate = upToDate
        self.version = version
        self.files = files
        self.objects = objects
        self.messages = messages
        self.appURL = appURL
    }
}

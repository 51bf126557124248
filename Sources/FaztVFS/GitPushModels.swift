import FaztGit

/// One ref update of a `git push`: `old` nil creates the ref, `new` nil deletes it.
public struct GitRefUpdate: Sendable, Equatable {
    public var ref: String
    public var old: GitObjectID?
    public var new: GitObjectID?

    public init(ref: String, old: GitObjectID?, new: GitObjectID?) {
        self.ref = ref
        self.old = old
        self.new = new
    }
}

/// What applying one ref update did.
public struct GitPushResult: Sendable, Equatable {
    /// The version the pushed commit became (nil for a deletion).
    public var version: Int?
    /// Whether that version is now live (a push to `main`).
    public var live: Bool
}

/// A refused ref update: `reason` is git's short report-status reason (`non-fast-forward`,
/// `deploy failed: …`), `detail` the full text shown as `remote:` lines.
public struct GitPushRejection: Error, Sendable, Equatable {
    public var reason: String
    public var detail: String?

    public init(_ reason: String, detail: String? = nil) {
        self.reason = reason
        self.detail = detail
    }
}

/// What a push may do beyond the defaults.
public struct GitPushOptions: Sendable {
    /// Accept non-fast-forward updates (`fazt serve --git-allow-force`).
    public var allowForce: Bool

    public init(allowForce: Bool = false) {
        self.allowForce = allowForce
    }
}

/// `GET /apps/{name}/net`: an app's egress rules (manifest `egress` and owner grants).
public struct NetGrantList: Codable, Sendable {
    public var app: String
    /// The live manifest's `egress` (nil: the manifest has none).
    public var manifest: [String]?
    /// Hosts the owner allowed with `fazt net allow`.
    public var grants: [String]
    /// True when only listed hosts are reachable (a manifest list or any grant).
    public var restricted: Bool

    /// Creates a list.
    public init(app: String, manifest: [String]?, grants: [String]) {
        self.app = app
        self.manifest = manifest
        self.grants = grants
        self.restricted = manifest != nil || !grants.isEmpty
    }
}

/// `POST /apps/{name}/net`: a host pattern to grant.
public struct NetGrant: Codable, Sendable {
    public var host: String

    /// Creates a grant body.
    public init(host: String) { self.host = host }
}

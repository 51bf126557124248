/// `GET /apps/{name}/versions/{n}/preview`: a signed, expiring link to a version preview.
public struct PreviewLinkBody: Codable, Sendable, Equatable {
    public var app: String
    public var version: Int
    /// `http://<app>--v<N>.<domain>/?preview=<token>`.
    public var url: String
    /// When the link stops working, in epoch milliseconds.
    public var expiresAt: Int64

    /// Creates a body.
    public init(app: String, version: Int, url: String, expiresAt: Int64) {
        self.app = app
        self.version = version
        self.url = url
        self.expiresAt = expiresAt
    }
}

/// What an app's `fetch` asks the daemon to add after the request leaves the worker.
public struct FetchAuth: Sendable, Equatable {
    /// `auth: "NAME"` or `auth: {secret: "NAME"}`: the secret sent in `header`.
    public var secret: String?
    /// The header that carries the secret (default `Authorization`).
    public var header: String?
    /// The scheme before the secret in `Authorization` (default `Bearer`; `""`: the bare value).
    public var scheme: String?
    /// `connection: "NAME"`: an OAuth connection whose access token is sent as `Authorization: Bearer`.
    public var connection: String?

    public init(secret: String? = nil, header: String? = nil, scheme: String? = nil, connection: String? = nil) {
        self.secret = secret
        self.header = header
        self.scheme = scheme
        self.connection = connection
    }

    /// True when the fetch named neither a secret nor a connection.
    public var isEmpty: Bool { secret == nil && connection == nil }
}

/// The access token of an OAuth connection, as the daemon injects it into an app's request.
public struct ConnectionToken: Sendable {
    /// The token sent as `Authorization: <type> <accessToken>`.
    public var accessToken: String
    /// Usually `Bearer`.
    public var tokenType: String
    /// The provider API hosts the token may be sent to (nil: any host the app may reach).
    public var hosts: HostAllowlist?

    public init(accessToken: String, tokenType: String = "Bearer", hosts: HostAllowlist? = nil) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.hosts = hosts
    }
}

/// The daemon's OAuth connections, as `fetch(url, {connection})` uses them.
///
/// Both calls may complete on any thread. Failures carry a code the app reads as `err.code`:
/// `NET_AUTH` (no such connection, not granted to the app, broken) or `NET_ERROR`.
public protocol ConnectionTokens: Sendable {
    /// The current access token of `connection` for `app`, refreshed first when it has expired.
    func token(
        app: String,
        connection: String,
        completion: @escaping @Sendable (Result<ConnectionToken, EgressError>) -> Void
    )

    /// The provider answered 401 to `rejected`: refresh once (concurrent callers share one
    /// refresh) and give the new token; a refresh the provider refuses marks the connection broken.
    func refresh(
        app: String,
        connection: String,
        rejected: String,
        completion: @escaping @Sendable (Result<ConnectionToken, EgressError>) -> Void
    )
}

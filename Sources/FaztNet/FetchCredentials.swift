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

/// An outbound request with the daemon's credentials filled in, and what goes with them.
public struct PreparedRequest: Sendable {
    public var request: EgressRequest
    /// Removes the credentials from the answer before JavaScript sees it.
    public var redactor = Redactor()
    /// The bindings of the credentials it carries (empty: none).
    ///
    /// Every host the request or a redirect hop goes to must be on each list.
    public var credentialHosts: [HostAllowlist] = []
    /// Set when the request carries an OAuth connection's token: after a 401, refreshes the token
    /// and gives the request to send once more.
    public var retryUnauthorized:
        (@Sendable (@escaping @Sendable (Result<PreparedRequest, EgressError>) -> Void) -> Void)?

    public init(request: EgressRequest) { self.request = request }
}

/// Fills secrets and connection tokens into apps' outbound requests (the daemon's side of
/// `fetch(url, {auth, connection})` and `{{secret:NAME}}`).
public protocol OutboundCredentials: Sendable {
    /// `request` of `app` with its credentials filled in, or the refusal (`NET_AUTH`). May
    /// complete on any thread.
    func prepare(
        _ request: EgressRequest,
        app: String,
        auth: FetchAuth,
        completion: @escaping @Sendable (Result<PreparedRequest, EgressError>) -> Void
    )
}

extension EgressRequest {
    /// Whether the request asks for credentials at all (`auth`, `connection` or a placeholder): a
    /// quick test, so requests without any skip the preparing step.
    public func wantsCredentials(_ auth: FetchAuth) -> Bool {
        if !auth.isEmpty { return true }
        if SecretPlaceholders.mayContain(url.utf8) { return true }
        if headers.contains(where: { SecretPlaceholders.mayContain($0.1.utf8) }) { return true }
        return body.map { SecretPlaceholders.mayContain($0) } ?? false
    }
}

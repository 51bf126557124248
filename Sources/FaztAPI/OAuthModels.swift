/// `POST /connect/providers`: an OAuth client to register (a preset's fields may be overridden).
public struct OAuthProviderBody: Codable, Sendable {
    /// The owner's name for it (default: the preset's name).
    public var name: String?
    /// `google`, `github`, `slack`, `microsoft`, `notion`, `dropbox` or `generic`.
    public var preset: String
    public var clientID: String
    public var clientSecret: String?
    public var authorizeURL: String?
    public var tokenURL: String?
    public var revokeURL: String?
    /// Default scopes.
    public var scopes: [String]?
    /// False turns PKCE off (for providers that refuse it).
    public var pkce: Bool?
    /// The API hosts tokens may be sent to.
    public var apiHosts: [String]?
    /// Extra authorization parameters, form-encoded (`access_type=offline`).
    public var authParams: String?
    /// `post` (client_secret_post, the default) or `basic` (client_secret_basic).
    public var clientAuth: String?
    /// An OIDC issuer whose `/.well-known/openid-configuration` gives the endpoints (generic only).
    public var issuer: String?

    /// Creates a body.
    public init(preset: String, clientID: String, name: String? = nil, clientSecret: String? = nil) {
        self.preset = preset
        self.clientID = clientID
        self.name = name
        self.clientSecret = clientSecret
    }
}

/// A registered OAuth client as the control API shows it (never its secret).
public struct OAuthProviderInfo: Codable, Sendable, Equatable {
    public var name: String
    public var preset: String
    public var clientID: String
    public var hasClientSecret: Bool
    public var authorizeURL: String
    public var tokenURL: String
    public var revokeURL: String?
    public var scopes: [String]
    public var pkce: Bool
    public var apiHosts: [String]?
    public var clientAuth: String

    /// Creates a record.
    public init(
        name: String,
        preset: String,
        clientID: String,
        hasClientSecret: Bool,
        authorizeURL: String,
        tokenURL: String,
        revokeURL: String?,
        scopes: [String],
        pkce: Bool,
        apiHosts: [String]?,
        clientAuth: String
    ) {
        self.name = name
        self.preset = preset
        self.clientID = clientID
        self.hasClientSecret = hasClientSecret
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.revokeURL = revokeURL
        self.scopes = scopes
        self.pkce = pkce
        self.apiHosts = apiHosts
        self.clientAuth = clientAuth
    }
}

/// `GET /connect/providers`.
public struct OAuthProviderList: Codable, Sendable {
    public var providers: [OAuthProviderInfo]

    /// Creates a list.
    public init(providers: [OAuthProviderInfo]) { self.providers = providers }
}

/// `POST /connect/connections`: start connecting an account.
public struct ConnectionBody: Codable, Sendable {
    public var name: String
    public var provider: String
    /// Scopes to ask for (default: the provider's).
    public var scopes: [String]?

    /// Creates a body.
    public init(name: String, provider: String, scopes: [String]? = nil) {
        self.name = name
        self.provider = provider
        self.scopes = scopes
    }
}

/// The answer to `POST /connect/connections`: the link the owner opens in a browser.
public struct ConnectionStarted: Codable, Sendable {
    public var name: String
    public var provider: String
    /// The provider's authorization page with this request's state and PKCE challenge.
    public var authorizeURL: String
    /// Where the provider sends the browser back (register it with the provider).
    public var redirectURI: String
    /// When the link stops working (epoch ms).
    public var expiresAt: Int64

    /// Creates an answer.
    public init(name: String, provider: String, authorizeURL: String, redirectURI: String, expiresAt: Int64) {
        self.name = name
        self.provider = provider
        self.authorizeURL = authorizeURL
        self.redirectURI = redirectURI
        self.expiresAt = expiresAt
    }
}

/// A connection as the control API shows it (never its tokens).
public struct ConnectionInfo: Codable, Sendable, Equatable {
    public var name: String
    public var provider: String
    /// `ok`, `broken` or `pending`.
    public var status: String
    public var scopes: [String]
    public var tokenType: String
    /// When the access token expires (epoch ms; nil: unknown or never).
    public var expiresAt: Int64?
    public var lastUsedAt: Int64?
    public var lastError: String?
    public var hasRefreshToken: Bool
    public var createdAt: Int64

    /// Creates a record.
    public init(
        name: String,
        provider: String,
        status: String,
        scopes: [String],
        tokenType: String,
        expiresAt: Int64?,
        lastUsedAt: Int64?,
        lastError: String?,
        hasRefreshToken: Bool,
        createdAt: Int64
    ) {
        self.name = name
        self.provider = provider
        self.status = status
        self.scopes = scopes
        self.tokenType = tokenType
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.lastError = lastError
        self.hasRefreshToken = hasRefreshToken
        self.createdAt = createdAt
    }
}

/// `GET /connect/connections`.
public struct ConnectionList: Codable, Sendable {
    public var connections: [ConnectionInfo]

    /// Creates a list.
    public init(connections: [ConnectionInfo]) { self.connections = connections }
}

/// `POST /connect/connections/{name}/token`: get (or refresh) the token as `app` would.
public struct ConnectionTokenCheck: Codable, Sendable {
    public var app: String
    /// The fingerprint of a token the provider rejected: refresh unless it was refreshed already.
    public var rejected: String?

    /// Creates a body.
    public init(app: String, rejected: String? = nil) {
        self.app = app
        self.rejected = rejected
    }
}

/// The answer to a token check: which token an app would send, by fingerprint only.
public struct ConnectionTokenAnswer: Codable, Sendable {
    public var connection: String
    public var app: String
    public var tokenType: String
    /// The first 16 hex digits of the SHA-256 of the access token (never the token).
    public var fingerprint: String
    public var expiresAt: Int64?
    public var hosts: [String]?

    /// Creates an answer.
    public init(
        connection: String,
        app: String,
        tokenType: String,
        fingerprint: String,
        expiresAt: Int64?,
        hosts: [String]?
    ) {
        self.connection = connection
        self.app = app
        self.tokenType = tokenType
        self.fingerprint = fingerprint
        self.expiresAt = expiresAt
        self.hosts = hosts
    }
}

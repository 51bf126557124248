import FaztNet

/// An OAuth 2.0 client the owner registered once (`fazt connect provider add`): where to send the
/// owner to authorize, where to trade codes and refresh tokens, and which hosts its tokens are for.
public struct OAuthProvider: Sendable, Equatable {
    /// How the client authenticates at the token endpoint.
    public enum ClientAuth: String, Sendable, Equatable {
        /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1, the common default).
        case post
        /// HTTP Basic with the client id and secret.
        case basic
    }

    /// How a token is revoked when the owner removes a connection.
    public enum RevokeStyle: String, Sendable, Equatable {
        /// No revocation endpoint: the connection is only forgotten.
        case none
        /// RFC 7009: `POST token=…` with client authentication.
        case rfc7009
        /// `POST` with the access token as `Authorization: Bearer` (Dropbox, Slack).
        case bearer
    }

    /// The owner's name for it (a preset's name by default: `google`).
    public var name: String
    /// The preset it came from (`google`, …) or `generic`.
    public var kind: String
    public var clientID: String
    public var authorizeURL: String
    public var tokenURL: String
    public var revokeURL: String?
    /// Scopes asked for when `fazt connect add` names none.
    public var scopes: [String]
    /// Whether the authorization request carries a PKCE (S256) challenge.
    public var pkce: Bool
    /// The API hosts its access tokens may be sent to (nil: any host the app may reach).
    public var apiHosts: [String]?
    /// Extra parameters of the authorization request (`access_type=offline`), form-encoded.
    public var authParams: String
    public var clientAuth: ClientAuth
    /// What separates scopes in the `scope` parameter (Slack: a comma).
    public var scopeSeparator: String { kind == "slack" ? "," : " " }
    /// How its tokens are revoked.
    public var revokeStyle: RevokeStyle { Self.revokeStyle(kind: kind, revokeURL: revokeURL) }

    /// Creates a provider.
    public init(
        name: String,
        kind: String,
        clientID: String,
        authorizeURL: String,
        tokenURL: String,
        revokeURL: String? = nil,
        scopes: [String] = [],
        pkce: Bool = true,
        apiHosts: [String]? = nil,
        authParams: String = "",
        clientAuth: ClientAuth = .post
    ) {
        self.name = name
        self.kind = kind
        self.clientID = clientID
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.revokeURL = revokeURL
        self.scopes = scopes
        self.pkce = pkce
        self.apiHosts = apiHosts
        self.authParams = authParams
        self.clientAuth = clientAuth
    }

    /// The hosts its tokens may reach, as the egress engine checks them.
    public var hostAllowlist: HostAllowlist? { apiHosts.map { HostAllowlist($0) } }

    static func revokeStyle(kind: String, revokeURL: String?) -> RevokeStyle {
        guard revokeURL != nil else { return .none }
        switch kind {
        case "dropbox", "slack": return .bearer
        default: return .rfc7009
        }
    }

    /// The names of the built-in presets, and `generic`.
    public static let kinds = ["google", "github", "slack", "microsoft", "notion", "dropbox", "generic"]

    /// The built-in preset `kind` with the owner's client id, or nil for `generic` and unknown names.
    ///
    /// Endpoints are the providers' documented public ones; a preset's fields can be overridden
    /// where the owner gives them.
    public static func preset(_ kind: String, name: String, clientID: String) -> OAuthProvider? {
        switch kind {
        case "google":
            return OAuthProvider(
                name: name,
                kind: kind,
                clientID: clientID,
                authorizeURL: "https://accounts.google.com/o/oauth2/v2/auth",
                tokenURL: "https://oauth2.googleapis.com/token",
                revokeURL: "https://oauth2.googleapis.com/revoke",
                scopes: ["openid", "email"],
                apiHosts: ["*.googleapis.com"],
                authParams: "access_type=offline&prompt=consent"
            )
        case "github":
            return OAuthProvider(
                name: name,
                kind: kind,
                clientID: clientID,
                authorizeURL: "https://github.com/login/oauth/authorize",
                tokenURL: "https://github.com/login/oauth/access_token",
                scopes: ["read:user"],
                apiHosts: ["api.github.com"]
            )
        case "slack":
            return OAuthProvider(
                name: name,
                kind: kind,
                clientID: clientID,
                authorizeURL: "https://slack.com/oauth/v2/authorize",
                tokenURL: "https://slack.com/api/oauth.v2.access",
                revokeURL: "https://slack.com/api/auth.revoke",
                pkce: false,
                apiHosts: ["slack.com", "*.slack.com"]
            )
        case "microsoft":
            return OAuthProvider(
                name: name,
                kind: kind,
                clientID: clientID,
                authorizeURL: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                tokenURL: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                scopes: ["offline_access", "User.Read"],
                apiHosts: ["graph.microsoft.com"]
            )
        case "notion":
            return OAuthProvider(
                name: name,
                kind: kind,
                clientID: clientID,
                authorizeURL: "https://api.notion.com/v1/oauth/authorize",
                tokenURL: "https://api.notion.com/v1/oauth/token",
                pkce: false,
                apiHosts: ["api.notion.com"],
                authParams: "owner=user",
                clientAuth: .basic
            )
        case "dropbox":
            return OAuthProvider(
                name: name,
                kind: kind,
                clientID: clientID,
                authorizeURL: "https://www.dropbox.com/oauth2/authorize",
                tokenURL: "https://api.dropboxapi.com/oauth2/token",
                revokeURL: "https://api.dropboxapi.com/2/auth/token/revoke",
                apiHosts: ["*.dropboxapi.com"],
                authParams: "token_access_type=offline"
            )
        default:
            return nil
        }
    }
}

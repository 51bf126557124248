import FaztAPI
import FaztNet
import Foundation

extension OAuthProvider {
    /// The provider `body` describes: a preset with the owner's overrides, or a generic one;
    /// `discovered` fills a generic provider's endpoints from its OIDC issuer.
    public static func make(
        from body: OAuthProviderBody,
        discovered: OAuthConnections.DiscoveredEndpoints? = nil
    ) throws -> OAuthProvider {
        let kind = body.preset.lowercased()
        guard kinds.contains(kind) else {
            throw KernelError(
                .invalidArgument,
                "unknown provider preset '\(body.preset)'; use one of \(kinds.joined(separator: ", "))"
            )
        }
        let name = try OAuthStore.validate(name: body.name ?? kind, kind: "provider")
        let clientID = body.clientID.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !clientID.isEmpty, clientID.utf8.count <= 512 else {
            throw KernelError(.invalidArgument, "--client-id is required (the client id the provider gave you)")
        }
        var provider: OAuthProvider
        if let preset = preset(kind, name: name, clientID: clientID) {
            provider = preset
        } else {
            guard let authorize = body.authorizeURL ?? discovered?.authorizeURL,
                let token = body.tokenURL ?? discovered?.tokenURL
            else {
                throw KernelError(
                    .invalidArgument,
                    "a generic provider needs --authorize-url and --token-url (or --issuer URL for OIDC discovery)"
                )
            }
            provider = OAuthProvider(
                name: name,
                kind: kind,
                clientID: clientID,
                authorizeURL: authorize,
                tokenURL: token,
                revokeURL: discovered?.revokeURL
            )
        }
        if let url = body.authorizeURL { provider.authorizeURL = url }
        if let url = body.tokenURL { provider.tokenURL = url }
        if let url = body.revokeURL { provider.revokeURL = url.isEmpty ? nil : url }
        for (flag, url) in [
            ("--authorize-url", provider.authorizeURL), ("--token-url", provider.tokenURL),
            ("--revoke-url", provider.revokeURL ?? "https://x"),
        ] {
            try checked(url: url, flag: flag)
        }
        if let scopes = body.scopes { provider.scopes = try OAuthConnections.checked(scopes: scopes) }
        if let pkce = body.pkce { provider.pkce = pkce }
        if let hosts = body.apiHosts {
            for host in hosts {
                if let problem = HostAllowlist.problem(with: host) {
                    throw KernelError(.invalidArgument, "--api-host \"\(host)\" \(problem) (e.g. api.example.com)")
                }
            }
            provider.apiHosts = hosts.isEmpty ? nil : hosts
        }
        if let params = body.authParams {
            guard !params.contains(where: { $0 == " " || $0 == "#" || $0.isNewline }) else {
                throw KernelError(.invalidArgument, "auth params are form-encoded: a=1&b=2 without spaces")
            }
            provider.authParams = params
        }
        if let auth = body.clientAuth {
            guard let value = ClientAuth(rawValue: auth) else {
                throw KernelError(.invalidArgument, "--client-auth is post or basic, not '\(auth)'")
            }
            provider.clientAuth = value
        }
        return provider
    }

    /// Throws unless `url` is an absolute http(s) URL without a fragment.
    public static func checked(url: String, flag: String) throws {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), HostAllowlist.host(of: url) != nil,
            !url.contains("#"), !url.contains(where: { $0 == " " || $0.isNewline })
        else {
            throw KernelError(.invalidArgument, "\(flag) must be an absolute http(s) URL, not '\(url.prefix(200))'")
        }
    }
}

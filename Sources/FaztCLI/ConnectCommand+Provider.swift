import ArgumentParser
import FaztAPI
import FaztKernel
import Foundation

extension ConnectCommand {
    /// `fazt connect provider add|list|remove`: the OAuth clients the owner registered.
    struct ProviderCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "provider",
            abstract:
                "Register, list and remove OAuth clients (presets: google, github, slack, microsoft, notion, dropbox; or generic).",
            subcommands: [Add.self, List.self, Remove.self]
        )

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register an OAuth client (the client secret is read from stdin and stored encrypted).",
                discussion: """
                    fazt connect provider add google --client-id ID --client-secret-stdin < secret.txt
                    fazt connect provider add corp --preset generic --authorize-url URL --token-url URL \
                    [--revoke-url URL] [--scopes a,b] [--api-host api.corp.example] [--no-pkce] --client-id ID
                    fazt connect provider add corp --preset generic --issuer https://id.corp.example --client-id ID
                    NAME is a preset's name, or any name with --preset. Presets know the endpoints and the API \
                    hosts their tokens may be sent to; options override them.
                    """
            )
            @OptionGroup var options: ClientOptions
            @Argument(help: "The provider name (a preset name, or your own with --preset).") var name: String
            @Option(
                help:
                    "google, github, slack, microsoft, notion, dropbox or generic (default: NAME if a preset, else generic)."
            )
            var preset: String?
            @Option(name: .customLong("client-id"), help: "The client id the provider gave you.") var clientID: String
            @Flag(name: .customLong("client-secret-stdin"), help: "Read the client secret from stdin.")
            var clientSecretStdin = false
            @Option(name: .customLong("authorize-url"), help: "The authorization endpoint.") var authorizeURL: String?
            @Option(name: .customLong("token-url"), help: "The token endpoint.") var tokenURL: String?
            @Option(name: .customLong("revoke-url"), help: "The revocation endpoint (RFC 7009).") var revokeURL: String?
            @Option(help: "An OIDC issuer: endpoints come from its /.well-known/openid-configuration.")
            var issuer: String?
            @Option(help: "Default scopes, comma-separated.") var scopes: [String] = []
            @Option(name: .customLong("api-host"), help: "A host its tokens may be sent to (repeatable).")
            var apiHosts: [String] = []
            @Flag(name: .customLong("no-pkce"), help: "Send no PKCE challenge (for providers that refuse one).")
            var noPKCE = false
            @Option(name: .customLong("client-auth"), help: "post (default) or basic: how the client authenticates.")
            var clientAuth: String?
            @Option(name: .customLong("auth-params"), help: "Extra authorization parameters, form-encoded (a=1&b=2).")
            var authParams: String?

            func run() throws {
                let kind = preset ?? (OAuthProvider.kinds.contains(name.lowercased()) ? name.lowercased() : "generic")
                var body = OAuthProviderBody(preset: kind, clientID: clientID, name: name)
                if clientSecretStdin {
                    var secret = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                    while secret.hasSuffix("\n") || secret.hasSuffix("\r") { secret.removeLast() }
                    guard !secret.isEmpty else { throw CLIError("--client-secret-stdin read nothing from stdin") }
                    body.clientSecret = secret
                }
                body.authorizeURL = authorizeURL
                body.tokenURL = tokenURL
                body.revokeURL = revokeURL
                body.issuer = issuer
                body.scopes = ConnectCommand.scopes(scopes)
                body.apiHosts = apiHosts.isEmpty ? nil : apiHosts
                body.pkce = noPKCE ? false : nil
                body.clientAuth = clientAuth
                body.authParams = authParams
                let bytes = try JSONEncoder().encode(body)
                guard
                    let info = try options.client().fetch(
                        OAuthProviderInfo.self,
                        "POST",
                        "/connect/providers",
                        body: [UInt8](bytes),
                        json: options.json
                    )
                else { return }
                print(
                    "added provider \(info.name) (\(info.preset)\(info.hasClientSecret ? ", client secret stored" : ""))"
                )
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List registered OAuth clients (never secrets).")
            @OptionGroup var options: ClientOptions

            func run() throws {
                guard
                    let list = try options.client().fetch(
                        OAuthProviderList.self,
                        "GET",
                        "/connect/providers",
                        json: options.json
                    )
                else { return }
                let rows = list.providers.map { item in
                    [
                        item.name, item.preset, item.clientID, item.pkce ? "yes" : "no",
                        item.apiHosts?.joined(separator: ",") ?? "any", item.scopes.joined(separator: ","),
                    ]
                }
                Output.table(["NAME", "PRESET", "CLIENT ID", "PKCE", "API HOSTS", "SCOPES"], rows)
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove an OAuth client (refused while a connection uses it)."
            )
            @OptionGroup var options: ClientOptions
            @Argument(help: "The provider name.") var name: String

            func run() throws {
                _ = try options.client().call("DELETE", "/connect/providers/\(name)")
                print("removed provider \(name)")
            }
        }
    }
}

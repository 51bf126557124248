import FaztTLS

/// `fazt serve --https` / `--tls-cert`: the HTTPS listener and where its certificates come from.
///
/// With it, `ServerConfiguration.port` is the plain-HTTP port, which answers ACME HTTP-01
/// challenges and redirects everything else to https.
public struct HTTPSConfiguration: Sendable {
    /// The HTTPS port (0 picks a free one, reported as `httpsPort` in the ready line).
    public var port: Int = 443
    /// ACME settings (nil ACME: only the fixed certificate) and issuance limits.
    public var settings: TLSSettings
    /// A certificate the owner already has (PEM chain and key files), served for every name.
    public var certificatePath: String?
    public var keyPath: String?
    /// Called once with the bound HTTPS port, before the ready callback.
    public var bound: @Sendable (Int) -> Void = { _ in }

    public init(settings: TLSSettings) {
        self.settings = settings
    }
}

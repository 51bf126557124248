import ArgumentParser
import FaztServer
import FaztTLS
import Foundation
import Synchronization

/// The HTTPS options of `fazt serve`: automatic certificates (ACME) or one the owner has.
struct TLSOptions: ParsableArguments {
    @Flag(
        help: """
            Serve HTTPS on --https-port with certificates obtained automatically (ACME, Let's Encrypt by default) \
            for --domain and, on first use, for each <app>.<domain>; --port (default 80) then answers ACME \
            challenges and redirects everything else to https.
            """
    )
    var https = false
    @Option(name: .customLong("https-port"), help: "The HTTPS port (0 picks a free one).") var httpsPort: Int = 443
    @Option(help: "Contact address of the ACME account (the CA's policy mail).") var email: String?
    @Option(
        name: .customLong("acme-directory"),
        help: "The ACME server's directory URL (default: Let's Encrypt production)."
    )
    var acmeDirectory: String?
    @Flag(name: .customLong("acme-staging"), help: "Use Let's Encrypt's staging CA (untrusted test certificates).")
    var acmeStaging = false
    @Option(
        name: .customLong("acme-ca-file"),
        help: "PEM file of the root to trust for the ACME server's own HTTPS (a private CA such as Pebble)."
    )
    var acmeCAFile: String?
    @Option(
        name: .customLong("acme-orders-per-minute"),
        help: """
            Most new certificate orders per minute; a first handshake that would need another fails until \
            the minute is over.
            """
    )
    var acmeOrdersPerMinute: Int = 10
    @Option(
        name: .customLong("dns-hook"),
        help: """
            Obtain one wildcard certificate (*.<domain> and <domain>) through DNS-01 instead of one per app: \
            the command is run as 'PATH set|clear _acme-challenge.<domain> VALUE' and must exit 0 once the TXT \
            record is published (or removed). App names then stay out of public certificate logs.
            """
    )
    var dnsHook: String?
    @Option(
        name: .customLong("tls-cert"),
        help:
            "Serve HTTPS with this certificate chain (PEM, leaf first) instead of obtaining certificates; needs --tls-key."
    )
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "The private key (PEM) of --tls-cert.") var tlsKey: String?

    /// Whether HTTPS is on (`--https`, or a certificate given).
    var enabled: Bool { https || tlsCert != nil }

    func validate(domain: String) throws {
        guard (0...65_535).contains(httpsPort) else {
            throw ValidationError("--https-port must be between 0 and 65535")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together: give the certificate chain and its key")
        }
        if let dnsHook, !FileManager.default.isExecutableFile(atPath: dnsHook) {
            throw ValidationError("--dns-hook \(dnsHook): no such executable file")
        }
        for (flag, path) in [("--tls-cert", tlsCert), ("--tls-key", tlsKey), ("--acme-ca-file", acmeCAFile)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw ValidationError("\(flag) \(path): no such readable file")
            }
        }
        if acmeStaging, acmeDirectory != nil {
            throw ValidationError("--acme-staging and --acme-directory both name the CA: give one")
        }
        if let acmeDirectory, !acmeDirectory.lowercased().hasPrefix("https://") {
            throw ValidationError("--acme-directory must be an https:// URL (got '\(acmeDirectory)')")
        }
        guard acmeOrdersPerMinute >= 1 else { throw ValidationError("--acme-orders-per-minute must be at least 1") }
        if https, tlsCert == nil {
            let name = domain.lowercased()
            guard name != "localhost", name.contains("."), !name.hasSuffix(".localhost") else {
                throw ValidationError(
                    "--https obtains certificates for --domain, which must be a public DNS name pointing here "
                        + "(got '\(domain)'); or serve a certificate you have with --tls-cert and --tls-key"
                )
            }
        }
        if !https, email != nil || acmeDirectory != nil || acmeStaging || acmeCAFile != nil || dnsHook != nil {
            throw ValidationError("--email, --dns-hook and the --acme-* options need --https")
        }
    }

    /// The HTTPS listener's configuration, or nil when HTTPS is off; `bound` gets its port.
    func configuration(domain: String, bound: @escaping @Sendable (Int) -> Void) -> HTTPSConfiguration? {
        guard enabled else { return nil }
        var acme: TLSSettings.ACME?
        if tlsCert == nil {
            let directory =
                acmeDirectory ?? (acmeStaging ? TLSSettings.letsEncryptStaging : TLSSettings.letsEncrypt)
            acme = TLSSettings.ACME(directoryURL: directory, email: email, caFile: acmeCAFile)
            acme?.dnsHook = dnsHook
        }
        var settings = TLSSettings(domain: domain.lowercased(), acme: acme)
        settings.ordersPerMinute = acmeOrdersPerMinute
        // Test hook: shifts the certificate manager's clock (renewal and expiry tests).
        if let offset = ProcessInfo.processInfo.environment["FAZT_TLS_CLOCK_OFFSET_SECONDS"].flatMap(Int64.init) {
            settings.clock = { Int64(Date().timeIntervalSince1970) + offset }
        }
        var https = HTTPSConfiguration(settings: settings)
        https.port = httpsPort
        https.certificatePath = tlsCert
        https.keyPath = tlsKey
        https.bound = bound
        return https
    }
}

/// The HTTPS port once bound (for the ready line).
final class BoundPort: Sendable {
    private let port = Atomic<Int>(-1)

    func set(_ value: Int) { port.store(value, ordering: .relaxed) }

    var value: Int? {
        let current = port.load(ordering: .relaxed)
        return current < 0 ? nil : current
    }
}

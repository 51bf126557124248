import Foundation

/// Where certificates come from and the limits of on-demand issuance (`fazt serve --https`).
public struct TLSSettings: Sendable {
    /// Let's Encrypt's production and staging directories.
    public static let letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"
    public static let letsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory"

    /// The ACME CA to use; nil: only the static certificate (`--tls-cert`).
    public struct ACME: Sendable {
        public var directoryURL: String
        public var email: String?
        /// Roots to trust for the CA's own HTTPS (`--acme-ca-file`), instead of the system's.
        public var caFile: String?
        /// `--dns-hook`: obtain one wildcard certificate (`*.<domain>` and `<domain>`) through DNS-01
        /// with this command instead of per-name certificates through HTTP-01.
        public var dnsHook: String?

        public init(directoryURL: String, email: String?, caFile: String?) {
            self.directoryURL = directoryURL
            self.email = email
            self.caFile = caFile
        }
    }

    /// Apps are `<app>.<domain>`; the bare domain gets a certificate at start.
    public var domain: String
    public var acme: ACME?
    /// New orders allowed per minute (all names together), below any CA limit.
    public var ordersPerMinute = 10
    /// How long a handshake waits for its certificate to be issued before it fails (below the 60 s idle timeout).
    public var handshakeWaitSeconds: Int64 = 50
    /// Handshakes that may wait for one name's certificate at once; more fail at once.
    public var maxWaitersPerName = 256
    /// How often certificates are checked for renewal.
    public var renewCheckSeconds: Double = 600
    /// Seconds before expiry from which a failed renewal warns the owner.
    public var expiryWarningSeconds: Int64 = 7 * 86_400
    /// The current time in epoch seconds (injectable for tests).
    public var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    public init(domain: String, acme: ACME?) {
        self.domain = domain
        self.acme = acme
    }
}

/// When a certificate is renewed: once a third of its lifetime remains, moved earlier by a jitter
/// of up to 1/30 of the lifetime, stable per name (so many certificates issued together do not
/// renew in the same minute, and every check agrees on the time).
public enum RenewalPolicy {
    /// The epoch second from which `name`'s certificate (valid `notBefore`..`notAfter`) is due.
    public static func renewAt(name: String, notBefore: Int64, notAfter: Int64) -> Int64 {
        let lifetime = max(notAfter - notBefore, 1)
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let jitter = Int64(hash % UInt64(max(lifetime / 30, 1)))
        return notAfter - lifetime / 3 - jitter
    }

    /// Whether it is due at `now`.
    public static func isDue(name: String, notBefore: Int64, notAfter: Int64, now: Int64) -> Bool {
        now >= renewAt(name: name, notBefore: notBefore, notAfter: notAfter)
    }

    /// Seconds to wait after the `failures`-th failure in a row for one name: 1 min doubling, at most 1 day.
    public static func backoff(failures: Int) -> Int64 {
        min(60 << Int64(min(max(failures - 1, 0), 20)), 86_400)
    }
}

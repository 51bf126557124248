import FaztKernel
import FaztStore
import FaztTLS
import FaztVFS
import Logging

extension ServerServices {
    /// The certificate manager of `--https`: stored certificates loaded, the fixed one read, and the
    /// gate that lets only names where an app (or a version preview) is served get an order.
    static func makeCertificateManager(
        _ https: HTTPSConfiguration,
        store: Store,
        box: SecretBox,
        vfs: VFS,
        notifier: Notifier,
        logger: Logger
    ) throws -> CertificateManager {
        let domain = https.settings.domain
        let manager = CertificateManager(
            settings: https.settings,
            store: store,
            box: box,
            logger: logger,
            isKnownName: { name in Self.servesApp(at: name, domain: domain, vfs: vfs) },
            notifyOwner: { title, body in
                do {
                    try notifier.notifyOwner(title: title, body: body, tags: ["tls"])
                } catch {
                    logger.error("cannot notify the owner", metadata: ["error": "\(error)"])
                }
            }
        )
        if let certificate = https.certificatePath, let key = https.keyPath {
            try manager.useFixed(certificatePath: certificate, keyPath: key)
        }
        try manager.loadStored()
        return manager
    }

    /// Whether `name` is the domain, or `<app>.<domain>` of an existing app, or
    /// `<app>--v<N>.<domain>` of an existing version (blocking: reads the database).
    static func servesApp(at name: String, domain: String, vfs: VFS) -> Bool {
        if name == domain { return true }
        guard name.hasSuffix("." + domain) else { return false }
        let label = String(name.dropLast(domain.count + 1))
        guard !label.isEmpty, !label.contains(".") else { return false }
        if let preview = AppName.preview(label) {
            return ((try? vfs.snapshot(app: preview.app, version: preview.version)) ?? nil) != nil
        }
        guard (try? AppName.validate(label)) == label else { return false }
        return ((try? vfs.snapshot(app: label)) ?? nil) != nil
    }
}

/// The `/_fazt/metrics` families of HTTPS.
enum TLSMetrics {
    static func register(_ manager: CertificateManager, in registry: MetricsRegistry) {
        registry.register("tls") {
            let now = manager.settings.clock()
            return [
                MetricFamily.labelled(
                    "fazt_certificate_expiry_seconds",
                    .gauge,
                    help: "Seconds until each served TLS certificate expires, by name (static: --tls-cert).",
                    label: "name",
                    values: manager.certificates.map { ($0.name, Double($0.notAfter - now)) }
                ),
                .single(
                    "fazt_acme_orders_total",
                    .counter,
                    help: "Certificate orders created at the ACME server since start.",
                    value: Double(manager.orderCount)
                ),
                .single(
                    "fazt_acme_failures_total",
                    .counter,
                    help: "Certificate issuances that failed since start.",
                    value: Double(manager.failureCount)
                ),
            ]
        }
    }
}

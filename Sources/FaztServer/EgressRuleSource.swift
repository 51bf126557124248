import FaztKernel
import FaztNet
import FaztVFS
import Synchronization

/// An app's effective egress allowlist: its live manifest's `egress` ∪ the owner's grants.
///
/// Grants come from `fazt net allow`; an app with neither gets nil (any public host).
/// Grants are cached per app (read once, dropped by `grantsChanged`); the manifest comes from
/// the catalog, so a deploy changes the list at once. A failed read refuses every host.
final class EgressRuleSource: Sendable {
    private let catalog: AppCatalog
    private let grants: EgressGrants
    private let cache = Mutex<[String: [String]]>([:])

    init(catalog: AppCatalog, grants: EgressGrants) {
        self.catalog = catalog
        self.grants = grants
    }

    func rules(app: String) -> HostAllowlist? {
        let app = app.lowercased()
        do {
            let manifest: HostAllowlist?
            if case .live(let served) = catalog.lookup(app) {
                manifest = served.snapshot.manifest.egress
            } else {
                manifest = try catalog.load(app)?.snapshot.manifest.egress
            }
            let granted = try grantedHosts(app: app)
            if manifest == nil && granted.isEmpty { return nil }
            return HostAllowlist((manifest?.patterns ?? []) + granted)
        } catch {
            return HostAllowlist([])
        }
    }

    /// Forgets the cached grants of `app` (after `fazt net allow|remove`).
    func grantsChanged(app: String) {
        _ = cache.withLock { $0.removeValue(forKey: app.lowercased()) }
    }

    private func grantedHosts(app: String) throws -> [String] {
        if let cached = cache.withLock({ $0[app] }) { return cached }
        let hosts = try grants.list(app: app)
        cache.withLock { $0[app] = hosts }
        return hosts
    }
}

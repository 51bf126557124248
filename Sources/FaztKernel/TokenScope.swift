import Foundation

/// What a scoped token may do.
///
/// Scopes nest: `apps:deploy` includes `apps:write`, which includes
/// `apps:read`; `storage:admin` includes `storage:write`, which includes `storage:read`.
public enum TokenScope: String, Sendable, CaseIterable, Codable {
    /// Read apps, versions, files, diffs, tags and previews.
    case appsRead = "apps:read"
    /// Drafts, commits that do not go live, previews, tags.
    case appsWrite = "apps:write"
    /// Move the live pointer: deploy, rollback, commits that go live.
    case appsDeploy = "apps:deploy"
    /// Create apps (within the token's app list, or any name for `*`).
    case appsCreate = "apps:create"
    /// Read app logs and run history.
    case logsRead = "logs:read"
    /// Read app storage (kv, documents, SQL through a read-only connection).
    case storageRead = "storage:read"
    /// Write app storage.
    case storageWrite = "storage:write"
    /// Data restore points: snapshots and restores.
    case storageAdmin = "storage:admin"
    /// Call an app's own MCP tools (`auth: "token"`).
    case appToolsCall = "app-tools:call"

    /// The scopes this one includes (itself among them).
    public var included: Set<TokenScope> {
        switch self {
        case .appsDeploy: [.appsDeploy, .appsWrite, .appsRead]
        case .appsWrite: [.appsWrite, .appsRead]
        case .storageAdmin: [.storageAdmin, .storageWrite, .storageRead]
        case .storageWrite: [.storageWrite, .storageRead]
        default: [self]
        }
    }

    /// Named scope sets for `fazt token create --preset`.
    public enum Preset: String, Sendable, CaseIterable {
        /// Look, never touch: apps, logs, storage.
        case read
        /// Build and preview, never go live: drafts, commits with `deploy: false`, previews.
        case build
        /// Build and ship: everything `build` may, plus deploys, rollbacks and new apps.
        case ship

        public var scopes: [TokenScope] {
            switch self {
            case .read: [.appsRead, .logsRead, .storageRead]
            case .build: [.appsWrite, .logsRead, .storageRead, .appToolsCall]
            case .ship: [.appsDeploy, .appsCreate, .logsRead, .storageWrite, .appToolsCall]
            }
        }
    }

    /// Parses a comma-separated list, naming the first unknown scope and the known ones.
    public static func parseList(_ text: String) throws(KernelError) -> [TokenScope] {
        var scopes: [TokenScope] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let scope = TokenScope(rawValue: name) else {
                throw KernelError(
                    .invalidArgument,
                    "unknown scope '\(name)'; scopes: \(allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            if !scopes.contains(scope) { scopes.append(scope) }
        }
        return scopes
    }
}

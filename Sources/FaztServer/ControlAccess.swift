import FaztAPI
import FaztKernel
import NIOHTTP1

/// Which token may call which control API route.
///
/// Owner tokens may call every route. A scoped token may call a route only when this table names
/// the scope it needs and the app it acts on is one of the token's apps; every route missing here
/// (tokens, secrets, server settings, app deletion, AI providers, notifications, …) is owner-only,
/// so a new route stays closed to scoped tokens until it is added on purpose.
enum ControlAccess {
    enum Requirement: Equatable {
        /// Only owner tokens.
        case owner
        /// `scope` on `app` (nil: no particular app, such as the app list).
        case scope(TokenScope, app: String?)
    }

    /// What `method` on `/_fazt/api/v1/<segments>` needs.
    static func requirement(_ method: HTTPMethod, _ segments: [String]) -> Requirement {
        guard segments.first == "apps" else { return .owner }
        if segments.count == 1 { return method == .GET ? .scope(.appsRead, app: nil) : .owner }
        let app = segments[1].lowercased()
        func needs(_ scope: TokenScope) -> Requirement { .scope(scope, app: app) }
        if segments.count == 2 { return method == .GET ? needs(.appsRead) : .owner }
        switch (method, segments[2]) {
        case (.GET, "versions"), (.GET, "tags"), (.GET, "drafts"), (.GET, "env"), (.GET, "files"):
            return needs(.appsRead)
        case (.PUT, "tags"), (.DELETE, "tags"), (.PUT, "drafts"), (.DELETE, "drafts"), (.POST, "drafts"):
            // A draft commit that goes live also needs apps:deploy (checked with its body).
            return needs(.appsWrite)
        case (.POST, "deploy"), (.POST, "rollback"), (.POST, "run"):
            // `run` executes the app's code now, as a deploy would on its next request.
            return needs(.appsDeploy)
        case (.POST, "restore"):
            // Data needs storage:admin, code apps:deploy (checked with the body).
            return needs(.appsRead)
        case (.POST, "snapshots"), (.GET, "snapshots"):
            return needs(.storageAdmin)
        case (.GET, "logs"), (.GET, "runs"), (.GET, "jobs"), (.GET, "events"), (.GET, "egress"):
            return needs(.logsRead)
        case (.GET, "kv"), (.POST, "sql"), (.GET, "docs"), (.GET, "blobs"):
            // All read through a read-only connection.
            return needs(.storageRead)
        default:
            return .owner
        }
    }

    /// Throws 403 unless `token` meets `requirement`.
    static func check(_ token: TokenInfo, _ requirement: Requirement) throws {
        guard !token.isOwner else { return }
        switch requirement {
        case .owner:
            throw APIError.insufficientScope(
                "owner",
                "this route needs an owner token; token '\(token.name)' is scoped"
            )
        case .scope(let scope, let app):
            try require(token, scope, app: app)
        }
    }

    /// Throws 403 unless `token` may use `scope` on `app`.
    static func require(_ token: TokenInfo, _ scope: TokenScope, app: String?) throws {
        if let app, !token.reaches(app: app) {
            throw APIError(
                status: .forbidden,
                code: "app_not_allowed",
                message: "token '\(token.name)' does not reach app '\(app)'; create a token with --app \(app)"
            )
        }
        guard token.allows(scope, app: app) else {
            throw APIError.insufficientScope(
                scope.rawValue,
                "token '\(token.name)' lacks the scope \(scope.rawValue); create a token with it"
                    + " (fazt token create --scope \(scope.rawValue) or a preset that includes it)"
            )
        }
    }
}

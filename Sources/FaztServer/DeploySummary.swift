import FaztScheduler
import FaztStore
import FaztVFS
import Foundation

/// What a deploy set up, and what still needs the owner: the `summary` of the deploy's 201.
///
/// Cron schedules with their next run, manifest subscriptions, webhooks with whether their secret
/// is set, permissions with whether they are granted (each missing piece with the command that
/// fixes it), and archive entries left out.
public struct DeploySummary: Codable, Sendable, Equatable {
    /// A cron job from `"schedules"`; `nextRun` is ISO 8601 UTC (`2026-12-01T03:00:00Z`).
    public struct Schedule: Codable, Sendable, Equatable {
        public var name: String
        public var cron: String
        public var nextRun: String?
    }

    /// A subscription from `"events"`.
    public struct Subscription: Codable, Sendable, Equatable {
        public var pattern: String
        public var handler: String
    }

    /// A webhook from `"webhooks"`; `secret` is nil for `"signature": "none"`.
    public struct Webhook: Codable, Sendable, Equatable {
        public var name: String
        public var url: String
        public var signature: String
        public var secret: String?
        public var secretSet: Bool
        /// The command that sets the missing secret (`-` reads the value from stdin).
        public var fix: String?
    }

    /// A permission from `"permissions"`.
    public struct Permission: Codable, Sendable, Equatable {
        public var permission: String
        public var granted: Bool
        /// The command that grants it, while it is not granted.
        public var fix: String?
    }

    public var schedules: [Schedule] = []
    public var subscriptions: [Subscription] = []
    public var webhooks: [Webhook] = []
    public var permissions: [Permission] = []
    /// Archive entries the server left out (`__MACOSX/…`, `.DS_Store`).
    public var skipped: [String] = []

    /// The summary of a finished deploy (blocking: reads the database).
    static func build(_ result: DeployResult, services: ServerServices) throws -> DeploySummary {
        let app = result.app
        var summary = DeploySummary(skipped: result.skipped)
        guard let text = result.manifest, let root = try? ManifestJSON.parse(Array(text.utf8)) else {
            return summary
        }
        let manifest = try Manifest.parse(Array(text.utf8), strict: false)
        if case .array(let items)? = root["schedules"] {
            let jobs = try services.store.read {
                try JobStore.list($0, app: app, status: nil, limit: 1000).filter { $0.kind == "cron" }
            }
            for item in items {
                guard case .string(let name)? = item["name"], case .string(let cron)? = item["cron"] else { continue }
                let runAt = jobs.first(where: { $0.name == name })?.runAt
                summary.schedules.append(Schedule(name: name, cron: cron, nextRun: runAt.map(Self.isoTime)))
            }
        }
        if case .object(let members)? = root["events"] {
            for (pattern, handler) in members {
                guard case .string(let file) = handler else { continue }
                summary.subscriptions.append(Subscription(pattern: pattern, handler: file))
            }
        }
        let secrets = Set(try services.secrets.list(app: app).map(\.name))
        for (name, hook) in manifest.webhooks.sorted(by: { $0.key < $1.key }) {
            let isSet = hook.secret.map(secrets.contains) ?? false
            summary.webhooks.append(
                Webhook(
                    name: name,
                    url: services.appURL(app) + "_hooks/" + name,
                    signature: hook.signature,
                    secret: hook.secret,
                    secretSet: isSet,
                    fix: isSet ? nil : hook.secret.map { "fazt secret set \(app) \($0) -" }
                )
            )
        }
        if case .array(let items)? = root["permissions"] {
            let granted = Set(try services.events.grants(app: app))
            for case .string(let permission) in items {
                let isGranted = granted.contains(permission)
                summary.permissions.append(
                    Permission(
                        permission: permission,
                        granted: isGranted,
                        fix: isGranted ? nil : "fazt grant \(app) \(permission)"
                    )
                )
            }
        }
        return summary
    }

    static func isoTime(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}

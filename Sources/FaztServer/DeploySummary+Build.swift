import FaztAPI
import FaztScheduler
import FaztStore
import FaztVFS
import Foundation

extension DeploySummary {
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

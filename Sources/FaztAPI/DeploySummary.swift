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

        /// Creates a schedule.
        public init(name: String, cron: String, nextRun: String? = nil) {
            self.name = name
            self.cron = cron
            self.nextRun = nextRun
        }
    }

    /// A subscription from `"events"`.
    public struct Subscription: Codable, Sendable, Equatable {
        public var pattern: String
        public var handler: String

        /// Creates a subscription.
        public init(pattern: String, handler: String) {
            self.pattern = pattern
            self.handler = handler
        }
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

        /// Creates a webhook.
        public init(
            name: String,
            url: String,
            signature: String,
            secret: String? = nil,
            secretSet: Bool,
            fix: String? = nil
        ) {
            self.name = name
            self.url = url
            self.signature = signature
            self.secret = secret
            self.secretSet = secretSet
            self.fix = fix
        }
    }

    /// A permission from `"permissions"`.
    public struct Permission: Codable, Sendable, Equatable {
        public var permission: String
        public var granted: Bool
        /// The command that grants it, while it is not granted.
        public var fix: String?

        /// Creates a permission.
        public init(permission: String, granted: Bool, fix: String? = nil) {
            self.permission = permission
            self.granted = granted
            self.fix = fix
        }
    }

    public var schedules: [Schedule] = []
    public var subscriptions: [Subscription] = []
    public var webhooks: [Webhook] = []
    public var permissions: [Permission] = []
    /// Archive entries the server left out (`__MACOSX/…`, `.DS_Store`).
    public var skipped: [String] = []

    /// Creates a summary.
    public init(
        schedules: [Schedule] = [],
        subscriptions: [Subscription] = [],
        webhooks: [Webhook] = [],
        permissions: [Permission] = [],
        skipped: [String] = []
    ) {
        self.schedules = schedules
        self.subscriptions = subscriptions
        self.webhooks = webhooks
        self.permissions = permissions
        self.skipped = skipped
    }
}

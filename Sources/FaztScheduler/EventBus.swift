import FaztStorage
import FaztStore
import Foundation

/// One event: `{id, type, source, data, time}` as handlers see it, plus the app it belongs to.
public struct Event: Sendable, Equatable {
    public var id: String
    /// The app the event belongs to: its emitter, or the app a `system.*` event is about.
    public var app: String
    public var type: String
    /// The emitting app, or `system`.
    public var source: String
    /// JSON.
    public var data: String
    /// ms since 1970.
    public var time: Int64

    public init(app: String, type: String, source: String, data: String, time: Int64) {
        self.id = "evt_" + (0..<16).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        self.app = app
        self.type = type
        self.source = source
        self.data = data
        self.time = time
    }

    /// The event as handlers and queries see it.
    public var json: String {
        #"{"id":\#(JSONValue.quoted(id)),"type":\#(JSONValue.quoted(type)),"source":\#(JSONValue.quoted(source)),"data":\#(data),"time":\#(time)}"#
    }
}

/// Events: persisted when asked (always for `system.*`), delivered to matching subscriptions as
/// `event` jobs (at-least-once, with retries and history) in the same transaction that records them.
///
/// An app sees its own events and `system.*` events about itself; another app's events (or
/// system events about another app) need a manifest permission `events:<pattern>` and the owner's
/// grant of that same permission.
public final class EventBus: Sendable {
    let store: Store
    let scheduler: Scheduler
    public static let maxDataBytes = 64 << 10
    /// Attempts of a delivery after the first.
    public static let deliveryRetries = 3

    public init(store: Store, scheduler: Scheduler) {
        self.store = store
        self.scheduler = scheduler
    }

    /// Records and delivers `event`; `done` runs once it is committed (with the jobs it made).
    public func emit(_ event: Event, persist: Bool, done: @escaping @Sendable (Result<Void, Error>) -> Void = { _ in })
    {
        let timeout = scheduler.configuration.defaultTimeoutMs
        store.apply(
            { connection in
                try Self.record(
                    connection,
                    event,
                    persist: persist || event.type.hasPrefix("system."),
                    timeoutMs: timeout
                )
            },
            applied: { [scheduler] result, _ in
                switch result {
                case .success(let deliveries):
                    for delivery in deliveries {
                        scheduler.noteScheduled(id: delivery.id, app: delivery.app, runAt: event.time)
                    }
                    done(.success(()))
                case .failure(let error):
                    done(.failure(error))
                }
            }
        )
    }

    /// Emits a kernel event about `app` (always persisted).
    public func emitSystem(_ type: String, app: String, data: [(String, JSONValue)], now: Int64) {
        emit(Event(app: app, type: type, source: "system", data: JSONValue.object(data).text, time: now), persist: true)
    }

    /// Inserts the event (if persisted) and one delivery job per subscription that may see it.
    static func record(
        _ connection: Connection,
        _ event: Event,
        persist: Bool,
        timeoutMs: Int
    ) throws -> [(id: Int64, app: String)] {
        if persist {
            _ = try connection.run(
                "INSERT INTO events (uid, app, type, source, data, time) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .text(event.id), .text(event.app), .text(event.type), .text(event.source), .text(event.data),
                    .integer(event.time),
                ]
            )
        }
        let subscriptions = try connection.query("SELECT app, pattern, handler FROM subscriptions ORDER BY id") {
            (app: $0.string(0), pattern: $0.string(1), handler: $0.string(2))
        }
        var deliveries: [(id: Int64, app: String)] = []
        var seen = Set<String>()
        for subscription in subscriptions {
            guard let pattern = try? EventPattern(subscription.pattern, app: subscription.app),
                pattern.matches(event.type),
                seen.insert("\(subscription.app)\n\(subscription.handler)").inserted,
                try visible(connection, app: subscription.app, type: event.type, owner: event.app)
            else { continue }
            var job = Job(
                kind: "event",
                app: subscription.app,
                handler: subscription.handler,
                state: event.json,
                runAt: event.time
            )
            job.name = event.type
            job.retries = deliveryRetries
            job.timeoutMs = timeoutMs
            deliveries.append((try JobStore.insert(connection, job, now: event.time).id, subscription.app))
        }
        return deliveries
    }

    /// Whether `app` may see an event of `type` that belongs to `owner`.
    static func visible(_ connection: Connection, app: String, type: String, owner: String) throws -> Bool {
        if owner == app { return true }
        return try grantedPatterns(connection, app: app).contains { $0.matches(type) }
    }

    /// The patterns of the manifest permissions the owner has granted to `app`.
    static func grantedPatterns(_ connection: Connection, app: String) throws -> [EventPattern] {
        var patterns: [EventPattern] = []
        for permission in try permissions(connection, app: app) {
            guard let pattern = permissionPattern(permission, app: app),
                try connection.queryOne(
                    "SELECT 1 FROM grants WHERE app = ? AND permission = ?",
                    [.text(app), .text(permission)],
                    { _ in true }
                ) != nil
            else { continue }
            patterns.append(pattern)
        }
        return patterns
    }

    /// The events a permission covers: `events:app:shop.*` means every event of `shop` (a final
    /// `*` in a permission covers the rest of the type, as `**` does in a subscription).
    static func permissionPattern(_ permission: String, app: String) -> EventPattern? {
        var text = String(permission.dropFirst("events:".count))
        if text.hasSuffix(".*") { text += "*" }
        return try? EventPattern(text, app: app)
    }

    /// The `events:` permissions the app's live manifest asks for.
    static func permissions(_ connection: Connection, app: String) throws -> [String] {
        let manifest =
            try connection.queryOne(
                "SELECT v.manifest FROM apps a JOIN versions v ON v.app = a.name AND v.n = a.live_version WHERE a.name = ?",
                [.text(app)]
            ) { $0.optionalString(0) } ?? nil
        return permissions(manifest: manifest)
    }

    static func permissions(manifest: String?) -> [String] {
        guard let manifest, let root = try? JSONValue.parse(manifest), case .array(let items)? = root["permissions"]
        else {
            return []
        }
        return items.compactMap { $0.stringValue }.filter { $0.hasPrefix("events:") }
    }

    /// Deletes an app's events, subscriptions and grants (app delete).
    public static func deleteAll(_ connection: Connection, app: String) throws {
        _ = try connection.run("DELETE FROM events WHERE app = ?", [.text(app)])
        _ = try connection.run("DELETE FROM subscriptions WHERE app = ?", [.text(app)])
        _ = try connection.run("DELETE FROM grants WHERE app = ?", [.text(app)])
    }

    /// Deletes up to `batch` persisted events older than `maxAgeMs` (oldest first).
    public static func trim(_ connection: Connection, maxAgeMs: Int64, now: Int64, batch: Int = 5000) throws -> Int {
        try connection.run(
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < ? ORDER BY time LIMIT ?)",
            [.integer(now - maxAgeMs), .integer(Int64(batch))]
        )
    }
}

import FaztAPI
import FaztJSON
import FaztNet
import FaztScheduler
import FaztStorage
import FaztStore
import FaztVFS
import Foundation
import Synchronization

/// Answers `fazt.notify(...)` and keeps the owner's inbox and channels.
///
/// Every notification lands in the owner's inbox and is delivered to the configured channels as `notify` jobs (retries, history; a last failure emits
/// `system.notify.failed`). Channel settings are encrypted at rest like secrets.
public final class Notifier: Sendable {
    /// The storage operations it answers (`fazt.notify`).
    public static let ops: Set<StorageOp> = [.notify]
    let store: Store
    let box: SecretBox
    let scheduler: Scheduler
    /// Most notifications per app per minute.
    let ratePerMinute: Int
    /// Delivery attempts after the first.
    let retries: Int
    private let budget = Mutex<[String: (minute: Int64, count: Int)]>([:])

    /// A notifier over `store`, sealing channel settings with `box` and queueing deliveries on
    /// `scheduler`.
    public init(store: Store, box: SecretBox, scheduler: Scheduler, ratePerMinute: Int, retries: Int) {
        self.store = store
        self.box = box
        self.scheduler = scheduler
        self.ratePerMinute = ratePerMinute
        self.retries = retries
    }

    // MARK: - From JavaScript

    /// Answers a `fazt.notify(...)` call: stores the notification and queues its deliveries.
    public func perform(_ call: StorageCall, reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) {
        do {
            let item = try parse(call)
            try checkRate(app: call.app, now: item.createdAt)
            let scheduler = self.scheduler
            store.apply(
                { (connection: Connection) throws -> Recorded in
                    try Self.record(connection, item, retries: self.retries)
                },
                applied: { (result: Result<Recorded, Error>, _: UInt64) in
                    switch result {
                    case .success(let recorded):
                        for job in recorded.jobs {
                            scheduler.noteScheduled(id: job, app: item.app, runAt: item.createdAt)
                        }
                        reply(
                            .success(
                                StorageResult(
                                    json: #"{"id":\#(recorded.id),"queued":true,"channels":\#(recorded.jobs.count)}"#
                                )
                            )
                        )
                    case .failure(let error as StorageError):
                        reply(.failure(error))
                    case .failure(let error):
                        reply(.failure(StorageError(.internalError, "cannot store the notification: \(error)")))
                    }
                }
            )
        } catch {
            reply(.failure(StorageError.wrapping(error)))
        }
    }

    private func parse(_ call: StorageCall) throws -> NotificationMessage {
        let message = try JSONValue.parse(call.arg(0).isEmpty ? "null" : call.arg(0))
        func text(_ key: String, limit: Int, required: Bool = false) throws -> String? {
            guard let value = message[key], value != .null else {
                if required { throw StorageError(.invalidArgument, "notify: \"\(key)\" is required") }
                return nil
            }
            guard let string = value.stringValue, string.utf8.count <= limit, !(required && string.isEmpty) else {
                throw StorageError(.invalidArgument, "notify: \"\(key)\" must be a string of at most \(limit) bytes")
            }
            return string
        }
        guard case .object = message else {
            throw StorageError(.invalidArgument, "notify: pass {title, body, url, priority, tags, channel}")
        }
        let priority = try text("priority", limit: 16) ?? "normal"
        guard ["low", "normal", "high"].contains(priority) else {
            throw StorageError(.invalidArgument, "notify: priority must be \"low\", \"normal\" or \"high\"")
        }
        var tags: [String] = []
        if let value = message["tags"], value != .null {
            guard case .array(let items) = value, items.count <= 10,
                let strings = Optional(items.compactMap(\.stringValue)), strings.count == items.count,
                strings.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 })
            else { throw StorageError(.invalidArgument, "notify: tags must be up to 10 strings of at most 64 bytes") }
            tags = strings
        }
        return NotificationMessage(
            id: 0,
            app: call.app,
            title: try text("title", limit: 256, required: true) ?? "",
            body: try text("body", limit: 4096),
            url: try text("url", limit: 2048),
            priority: priority,
            tags: tags,
            channel: try text("channel", limit: 64),
            createdAt: scheduler.clock()
        )
    }

    private func checkRate(app: String, now: Int64) throws {
        let minute = now / 60_000
        let limit = ratePerMinute
        let allowed = budget.withLock { budget -> Bool in
            var entry = budget[app] ?? (minute, 0)
            if entry.minute != minute { entry = (minute, 0) }
            guard entry.count < limit else { return false }
            entry.count += 1
            budget[app] = entry
            return true
        }
        guard allowed else {
            throw StorageError(
                .rateLimited,
                "notify: \(app) sent \(limit) notifications this minute (the limit); try again in a minute"
            )
        }
    }

    /// Stores the notification and one delivery job per matching channel.
    struct Recorded {
        var id: Int64
        var jobs: [Int64]
    }

    static func record(_ connection: Connection, _ item: NotificationMessage, retries: Int) throws -> Recorded {
        var channels = try connection.query("SELECT name FROM channels ORDER BY name") { $0.string(0) }
        if let wanted = item.channel {
            guard channels.contains(wanted) else {
                throw StorageError(
                    .invalidArgument,
                    "notify: there is no channel named \"\(wanted)\" (fazt notify channel list)"
                )
            }
            channels = [wanted]
        }
        _ = try connection.run(
            "INSERT INTO notifications (app, title, body, url, priority, tags, channel, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .text(item.app), .text(item.title), item.body.map { .text($0) } ?? .null,
                item.url.map { .text($0) } ?? .null,
                .text(item.priority), .text(JSONValue.array(item.tags.map { .string($0) }).text),
                item.channel.map { .text($0) } ?? .null, .integer(item.createdAt),
            ]
        )
        let id = connection.lastInsertRowID
        var jobs: [Int64] = []
        for channel in channels {
            var job = Job(
                kind: "notify",
                app: item.app,
                handler: "channel:\(channel)",
                state: #"{"notification":\#(id),"channel":\#(JSONValue.quoted(channel))}"#,
                runAt: item.createdAt
            )
            job.name = channel
            job.retries = retries
            job.backoffMs = 2000
            job.timeoutMs = 60_000
            jobs.append(try JobStore.insert(connection, job, now: item.createdAt).id)
        }
        return Recorded(id: id, jobs: jobs)
    }

    // MARK: - Delivery (a fired `notify` job)

    /// Delivers the job's notification to its channel (blocking); throws with the reason.
    public func deliver(_ job: Job) throws {
        guard let state = try? JSONValue.parse(job.state), let id = state["notification"]?.numberValue,
            let name = state["channel"]?.stringValue
        else { throw KernelError(.delivery, "a notification job is damaged") }
        guard let item = try store.read({ try Self.item($0, id: Int64(id)) }) else {
            throw KernelError(.delivery, "notification \(Int64(id)) is gone")
        }
        guard let channel = try channel(named: name) else {
            throw KernelError(.delivery, "the channel \"\(name)\" was removed")
        }
        try channel.deliver(item)
    }

    // MARK: - Inbox

    /// Notifications after `after` (oldest first), or the newest `limit` when `after` is nil.
    public func list(after: Int64?, limit: Int, app: String? = nil) throws -> [NotificationMessage] {
        try store.read { connection in
            var sql = "SELECT id, app, title, body, url, priority, tags, channel, created_at FROM notifications WHERE 1"
            var values: [SQLiteValue] = []
            if let after {
                sql += " AND id > ?"
                values.append(.integer(after))
            }
            if let app {
                sql += " AND app = ?"
                values.append(.text(app))
            }
            sql += after == nil ? " ORDER BY id DESC LIMIT ?" : " ORDER BY id LIMIT ?"
            values.append(.integer(Int64(limit)))
            let items = try connection.query(sql, values, Self.item)
            return after == nil ? items.reversed() : items
        }
    }

    static func item(_ connection: Connection, id: Int64) throws -> NotificationMessage? {
        try connection.queryOne(
            "SELECT id, app, title, body, url, priority, tags, channel, created_at FROM notifications WHERE id = ?",
            [.integer(id)],
            item
        )
    }

    static func item(_ row: Row) -> NotificationMessage {
        let tags = (try? JSONValue.parse(row.string(6))).flatMap { value -> [String]? in
            guard case .array(let items) = value else { return nil }
            return items.compactMap(\.stringValue)
        }
        return NotificationMessage(
            id: row.int64(0),
            app: row.string(1),
            title: row.string(2),
            body: row.optionalString(3),
            url: row.optionalString(4),
            priority: row.string(5),
            tags: tags ?? [],
            channel: row.optionalString(7),
            createdAt: row.int64(8)
        )
    }

    /// The notification as compact JSON (the live stream's `data:` line).
    public static func json(_ item: NotificationMessage) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(item)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

import FaztStorage
import FaztStore

/// `fazt.events.emit/on/off/query` from app JavaScript, and the owner's grants.
extension EventBus {
    public static let ops: Set<StorageOp> = [.eventsEmit, .eventsOn, .eventsOff, .eventsQuery]

    public func perform(_ call: StorageCall, reply: @escaping @Sendable (Result<StorageResult, StorageError>) -> Void) {
        let app = call.app
        do {
            switch call.op {
            case .eventsEmit:
                let type = try Self.checked { () throws(EventError) in try EventType.namespaced(call.arg(0), app: app) }
                let data = try call.jsonText(1, "events.emit: data", limit: Self.maxDataBytes)
                let options = try call.options(2)
                let persist = options["persist"] == .bool(true)
                let event = Event(app: app, type: type, source: app, data: data, time: scheduler.clock())
                emit(event, persist: persist) { result in
                    switch result {
                    case .success:
                        reply(
                            .success(
                                StorageResult(
                                    json: #"{"id":\#(JSONValue.quoted(event.id)),"type":\#(JSONValue.quoted(type))}"#
                                )
                            )
                        )
                    case .failure(let error):
                        reply(.failure(StorageError(.internalError, "cannot emit the event: \(error)")))
                    }
                }
            case .eventsOn:
                let pattern = try Self.checked { () throws(EventError) in try EventPattern(call.arg(0), app: app) }
                let handler = try Scheduler.handlerPath(call.arg(1))
                if let exists = scheduler.handlerExists, !exists(app, handler) {
                    throw StorageError(.invalidArgument, "events.on: the handler \(handler) is not a file of this app")
                }
                let now = scheduler.clock()
                store.apply(
                    { connection in
                        try Self.checkCanSubscribe(connection, app: app, pattern: pattern)
                        _ = try connection.run(
                            "INSERT OR IGNORE INTO subscriptions (app, pattern, handler, origin, created_at) VALUES (?, ?, ?, 'api', ?)",
                            [.text(app), .text(pattern.text), .text(handler), .integer(now)]
                        )
                    },
                    applied: { result, _ in reply(Self.answer(result.map { _ in "true" })) }
                )
            case .eventsOff:
                let pattern = try Self.checked { () throws(EventError) in try EventPattern(call.arg(0), app: app) }
                let handler = call.arg(1).isEmpty ? nil : try Scheduler.handlerPath(call.arg(1))
                store.apply(
                    { connection in
                        try connection.run(
                            "DELETE FROM subscriptions WHERE app = ? AND pattern = ? AND origin = 'api' AND (?3 IS NULL OR handler = ?3)",
                            [.text(app), .text(pattern.text), handler.map { .text($0) } ?? .null]
                        )
                    },
                    applied: { result, _ in reply(Self.answer(result.map { $0 > 0 ? "true" : "false" })) }
                )
            case .eventsQuery:
                let options = try call.options(0)
                let pattern = try options["type"]?.stringValue.map { text throws(StorageError) in
                    try Self.checked { () throws(EventError) in try EventPattern(text, app: app) }
                }
                let since = options["since"]?.numberValue.map { Int64($0) } ?? 0
                let limit = min(max(Int(options["limit"]?.numberValue ?? 100), 1), 1000)
                let events = try store.read {
                    try Self.query($0, app: app, pattern: pattern, since: since, limit: limit)
                }
                reply(.success(StorageResult(json: "[" + events.map(\.json).joined(separator: ",") + "]")))
            default:
                throw StorageError(.invalidArgument, "unknown call \(call.op.rawValue)")
            }
        } catch {
            reply(.failure(StorageError.wrapping(error)))
        }
    }

    /// Persisted events the app may see, newest first: the same visibility as delivery (its own,
    /// `system.*` about itself, and another app's where the manifest asks and the owner granted).
    public static func query(
        _ connection: Connection,
        app: String,
        pattern: EventPattern?,
        since: Int64,
        limit: Int
    ) throws -> [Event] {
        let owner = pattern.map { ownerScanned(by: $0, app: app) } ?? app
        let granted = try EventBus.grantedPatterns(connection, app: app)
        var found: [Event] = []
        var before = Int64.max
        // Filter by pattern in Swift, a page at a time, scanning at most 20,000 rows.
        for _ in 0..<20 where found.count < limit {
            let page = try connection.query(
                owner == nil
                    ? "SELECT id, uid, app, type, source, data, time FROM events WHERE id < ?1 AND time >= ?2 ORDER BY id DESC LIMIT 1000"
                    : "SELECT id, uid, app, type, source, data, time FROM events WHERE app = ?3 AND id < ?1 AND time >= ?2 ORDER BY id DESC LIMIT 1000",
                [.integer(before), .integer(since)] + (owner.map { [.text($0)] } ?? [])
            ) { row -> (Int64, Event) in
                var event = Event(
                    app: row.string(2),
                    type: row.string(3),
                    source: row.string(4),
                    data: row.string(5),
                    time: row.int64(6)
                )
                event.id = row.string(1)
                return (row.int64(0), event)
            }
            for (_, event) in page where pattern?.matches(event.type) ?? true {
                guard event.app == app || granted.contains(where: { $0.matches(event.type) }) else { continue }
                found.append(event)
                if found.count == limit { break }
            }
            guard page.count == 1000, let last = page.last?.0 else { break }
            before = last
        }
        return found
    }

    /// The one app whose stored events a pattern can match, or nil when it may match several.
    ///
    /// `*.x` and `**` may match any app; `system.*` events are stored under the app they concern.
    static func ownerScanned(by pattern: EventPattern, app: String) -> String? {
        let first = pattern.segments.first ?? ""
        if first == "system" { return app }
        guard first.hasPrefix("app:") else { return nil }
        let name = first.dropFirst(4)
        return name == "*" || name == "**" ? nil : String(name)
    }

    /// A subscription to another app's events needs the manifest permission (the grant may come
    /// later; deliveries check both).
    static func checkCanSubscribe(_ connection: Connection, app: String, pattern: EventPattern) throws {
        guard let first = pattern.segments.first, first.hasPrefix("app:"), first != "app:\(app)" else { return }
        let declared = try permissions(connection, app: app)
        let other = String(first)
        guard declared.contains(where: { $0.hasPrefix("events:\(other).") || $0 == "events:\(other)" }) else {
            throw StorageError(
                .permissionDenied,
                "events.on: \(pattern.text) belongs to another app; declare \"permissions\": [\"events:\(other).*\"] in fazt.json and ask the owner to run 'fazt grant \(app) events:\(other).*'"
            )
        }
    }

    static func checked<T>(_ body: () throws(EventError) -> T) throws(StorageError) -> T {
        do {
            return try body()
        } catch {
            throw StorageError(.invalidArgument, error.message)
        }
    }

    static func answer(_ result: Result<String, Error>) -> Result<StorageResult, StorageError> {
        switch result {
        case .success(let json): return .success(StorageResult(json: json))
        case .failure(let error as StorageError): return .failure(error)
        case .failure(let error): return .failure(StorageError(.internalError, "\(error)"))
        }
    }
}

/// The manifest's `"events": {"<pattern>": "handlers/x.js"}`, kept in step with the live version.
extension EventBus {
    /// Replaces the app's manifest subscriptions with those of `manifest`; throws `EventError` for
    /// a bad pattern, a handler missing from the version, or another app's events without the
    /// matching permission.
    static func syncManifest(
        _ connection: Connection,
        app: String,
        manifest: String?,
        now: Int64,
        fileExists: (String) throws -> Bool
    ) throws {
        var wanted: [(EventPattern, String)] = []
        if let manifest, let root = try? JSONValue.parse(manifest), let events = root["events"], events != .null {
            guard case .object(let members) = events else {
                throw EventError("fazt.json: \"events\" must be an object of pattern → handler")
            }
            let declared = permissions(manifest: manifest)
            for (text, value) in members {
                let pattern = try EventPattern(text, app: app)
                guard let raw = value.stringValue, let handler = try? Scheduler.handlerPath(raw) else {
                    throw EventError("fazt.json: events[\"\(text)\"] must name a .js handler file")
                }
                guard try fileExists(handler) else {
                    throw EventError("fazt.json: events[\"\(text)\"]: the handler \(handler) is not in this deploy")
                }
                if let first = pattern.segments.first, first.hasPrefix("app:"), first != "app:\(app)",
                    !declared.contains(where: { $0.hasPrefix("events:\(first).") || $0 == "events:\(first)" })
                {
                    throw EventError("fazt.json: events[\"\(text)\"] needs \"permissions\": [\"events:\(first).*\"]")
                }
                wanted.append((pattern, handler))
            }
        }
        _ = try connection.run("DELETE FROM subscriptions WHERE app = ? AND origin = 'manifest'", [.text(app)])
        for (pattern, handler) in wanted {
            _ = try connection.run(
                "INSERT OR IGNORE INTO subscriptions (app, pattern, handler, origin, created_at) VALUES (?, ?, ?, 'manifest', ?)",
                [.text(app), .text(pattern.text), .text(handler), .integer(now)]
            )
        }
    }

    /// Grants (or revokes) a permission such as `events:app:other.*` to an app (blocking).
    ///
    /// `ai` (calls to the owner's language models) is stored the same way; the AI registry checks it.
    /// `connection:NAME` lets the app's `fetch` use an OAuth connection.
    public func grant(app: String, permission: String, revoke: Bool) throws(EventError) -> Bool {
        if permission.hasPrefix("connection:") {
            guard Self.isConnectionName(permission.dropFirst(11)) else {
                throw EventError(
                    "connection:NAME needs a connection name of 1-63 letters, digits, '-' and '_' (see fazt connect list)"
                )
            }
        } else if permission != "ai" {
            guard permission.hasPrefix("events:") else {
                throw EventError(
                    "permissions look like ai, connection:<name>, events:app:<other>.* or events:system.**"
                )
            }
            _ = try EventPattern(String(permission.dropFirst(7)), app: app)
        }
        let now = scheduler.clock()
        do {
            return try store.writeBlocking { connection in
                if revoke {
                    return try connection.run(
                        "DELETE FROM grants WHERE app = ? AND permission = ?",
                        [.text(app), .text(permission)]
                    ) > 0
                }
                return try connection.run(
                    "INSERT OR IGNORE INTO grants (app, permission, created_at) VALUES (?, ?, ?)",
                    [.text(app), .text(permission), .integer(now)]
                ) > 0
            }
        } catch {
            throw EventError("cannot store the grant: \(error)")
        }
    }

    /// True for an OAuth connection name: 1-63 letters, digits, '-' and '_', not starting with '-' or '_'.
    static func isConnectionName(_ name: Substring) -> Bool {
        let bytes = Array(name.utf8)
        func allowed(_ b: UInt8) -> Bool {
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 95
        }
        guard let first = bytes.first, first != 45, first != 95, bytes.count <= 63 else { return false }
        return bytes.allSatisfy(allowed)
    }

    /// The app's grants (blocking).
    public func grants(app: String) throws -> [String] {
        try store.read {
            try $0.query("SELECT permission FROM grants WHERE app = ? ORDER BY permission", [.text(app)]) {
                $0.string(0)
            }
        }
    }
}

import FaztStore

/// `fazt.storage.kv`: JSON values under string keys, per app, with optional expiry.
///
/// Values are stored as the JSON text JavaScript produced and handed back unparsed. Expired keys
/// are invisible at once (every read filters on `expires_at`) and deleted later by `sweep`.
public struct KVStore {
    let connection: Connection
    let app: String
    let now: () -> Int64

    public init(connection: Connection, app: String, now: @escaping () -> Int64) {
        self.connection = connection
        self.app = app
        self.now = now
    }

    /// The value's JSON text, or nil when absent or expired.
    public func get(_ key: String) throws(StorageError) -> String? {
        try StorageError.catching {
            try connection.queryOne(
                "SELECT value FROM kv WHERE app = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)",
                [.text(app), .text(key), .integer(now())]
            ) { $0.string(0) }
        }
    }

    public func has(_ key: String) throws(StorageError) -> Bool {
        try get(key) != nil
    }

    /// Checks a `set` without touching the database (workers do it before pipelining the write).
    public static func validateSet(_ key: String, json: String) throws(StorageError) {
        try StorageLimits.checkKey(key)
        guard json.utf8.count <= StorageLimits.valueBytes else {
            throw StorageError(.tooLarge, "the value is \(json.utf8.count) bytes; the limit is 1 MB")
        }
    }

    /// Stores `json` (a JSON text) under `key`; `ttl` in milliseconds makes it expire.
    public func set(_ key: String, json: String, ttl: Int64?) throws(StorageError) {
        try Self.validateSet(key, json: json)
        let expiry: SQLiteValue = ttl.map { .integer(now() + max(1, $0)) } ?? .null
        try StorageError.catching {
            try connection.run(
                """
                INSERT INTO kv (app, key, value, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (app, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                """,
                [.text(app), .text(key), .text(json), expiry]
            )
        }
    }

    /// Deletes `key`; true when a live key was there.
    @discardableResult
    public func delete(_ key: String) throws(StorageError) -> Bool {
        let existed = try has(key)
        try StorageError.catching {
            try connection.run("DELETE FROM kv WHERE app = ? AND key = ?", [.text(app), .text(key)])
        }
        return existed
    }

    /// Adds `by` to the number stored under `key` (absent or expired counts as 0) and returns the
    /// new value; the key keeps its expiry.
    ///
    /// Atomic: it runs on the single writer.
    public func increment(_ key: String, by: Double) throws(StorageError) -> Double {
        try StorageLimits.checkKey(key)
        let current = try get(key)
        var value = 0.0
        if let current {
            guard case .number(let number) = try JSONValue.parse(current) else {
                throw StorageError(.invalidArgument, "kv.incr: the value of \"\(key)\" is not a number")
            }
            value = number
        }
        value += by
        guard value.isFinite else { throw StorageError(.invalidArgument, "kv.incr: the result is not a finite number") }
        let text = JSONValue.format(value)
        try StorageError.catching {
            if current == nil {
                try connection.run(
                    """
                    INSERT INTO kv (app, key, value, expires_at) VALUES (?, ?, ?, NULL)
                    ON CONFLICT (app, key) DO UPDATE SET value = excluded.value, expires_at = NULL
                    """,
                    [.text(app), .text(key), .text(text)]
                )
            } else {
                try connection.run(
                    "UPDATE kv SET value = ? WHERE app = ? AND key = ?",
                    [.text(text), .text(app), .text(key)]
                )
            }
        }
        return value
    }

    /// One page of live keys starting with `prefix` (literally; `%` and `_` are not wildcards),
    /// in key order, after `cursor` (a key of a previous page).
    public func list(prefix: String, limit: Int, after cursor: String?) throws(StorageError) -> KVPage {
        let limit = min(max(1, limit), StorageLimits.listLimit)
        let start = max(prefix, cursor ?? "")
        // Range on the primary key, then an exact prefix test (no LIKE, so no wildcards).
        let rows = try StorageError.catching {
            try connection.query(
                """
                SELECT key, value, expires_at FROM kv
                WHERE app = ?1 AND key >= ?2 AND (?3 IS NULL OR key > ?3)
                  AND key < ?7 AND substr(key, 1, length(?4)) = ?4 AND (expires_at IS NULL OR expires_at > ?5)
                ORDER BY key LIMIT ?6
                """,
                [
                    .text(app), .text(start), .optionalText(cursor), .text(prefix), .integer(now()), .int(limit + 1),
                    .text(prefix + "\u{10FFFF}\u{10FFFF}\u{10FFFF}"),
                ]
            ) { row in KVItem(key: row.string(0), json: row.string(1), expiresAt: row.optionalInt(2).map(Int64.init)) }
        }
        // `key < prefix + U+10FFFF…` bounds the index range scan; the exact `substr` test keeps the
        // result right for any key.
        let items = Array(rows.prefix(limit))
        return KVPage(items: items, cursor: rows.count > limit ? items.last?.key : nil)
    }

    /// Deletes up to `limit` expired keys of every app; returns how many went.
    public static func sweep(_ connection: Connection, now: Int64, limit: Int = 10_000) throws -> Int {
        try connection.run(
            "DELETE FROM kv WHERE (app, key) IN (SELECT app, key FROM kv WHERE expires_at <= ? LIMIT ?)",
            [.integer(now), .int(limit)]
        )
    }
}

/// One key of a `kv.list` page.
public struct KVItem: Sendable, Equatable {
    public var key: String
    /// The value as JSON text.
    public var json: String
    public var expiresAt: Int64?
}

/// A page of `kv.list`; `cursor` is nil on the last page.
public struct KVPage: Sendable {
    public var items: [KVItem]
    public var cursor: String?

    /// `{items: [{key, value, expiresAt}], cursor}` as JSON text.
    public var json: String {
        var out = "{\"items\":["
        for (index, item) in items.enumerated() {
            if index > 0 { out += "," }
            out += "{\"key\":"
            JSONValue.quote(item.key, into: &out)
            out += ",\"value\":" + item.json + ",\"expiresAt\":" + (item.expiresAt.map { String($0) } ?? "null") + "}"
        }
        out += "],\"cursor\":"
        if let cursor { JSONValue.quote(cursor, into: &out) } else { out += "null" }
        return out + "}"
    }
}

extension StorageError {
    /// Runs `body`, turning store failures into storage errors.
    @discardableResult
    static func catching<T>(prefix: String? = nil, _ body: () throws -> T) throws(StorageError) -> T {
        do {
            return try body()
        } catch {
            throw wrapping(error, prefix: prefix)
        }
    }
}

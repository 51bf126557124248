import FaztStore

/// Kernel-side storage chores: usage, quotas, deleting an app's data, sweeping expired keys.
public enum StorageAdmin {
    /// Bytes an app stores: KV, documents and blobs (kept by triggers) plus its SQL tables
    /// (measured from the pages they use).
    public static func usage(_ connection: Connection, app: String) throws -> StorageUsage {
        var usage =
            try connection.queryOne(
                "SELECT kv_bytes, doc_bytes, blob_bytes, quota_bytes, event_bytes FROM storage_usage WHERE app = ?",
                [.text(app)]
            ) { row in
                StorageUsage(
                    kv: row.int64(0),
                    docs: row.int64(1),
                    blobs: row.int64(2),
                    sql: 0,
                    events: row.int64(4),
                    quota: row.optionalInt(3)
                )
            } ?? StorageUsage()
        usage.sql = try sqlBytes(connection, app: app)
        return usage
    }

    /// Pages used by the app's SQL tables and indexes, in bytes.
    public static func sqlBytes(_ connection: Connection, app: String) throws -> Int64 {
        let prefix = SQLRewriter(app: app).prefix
        let names = try ownedObjects(connection, prefix: prefix)
        guard !names.isEmpty else { return 0 }
        let pageSize = try connection.queryOne("PRAGMA page_size") { $0.int64(0) } ?? 4096
        var pages: Int64 = 0
        for name in names {
            pages +=
                try connection.queryOne("SELECT COUNT(*) FROM dbstat WHERE name = ?", [.text(name)]) { $0.int64(0) }
                ?? 0
        }
        return pages * pageSize
    }

    private static func ownedObjects(_ connection: Connection, prefix: String) throws -> [String] {
        try connection.query(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND substr(name, 1, ?) = ?",
            [.int(prefix.count), .text(prefix)]
        ) { $0.string(0) }
    }

    /// Deletes everything an app stored (on app delete); run on the writer.
    public static func deleteAll(_ connection: Connection, app: String) throws {
        try connection.run("DELETE FROM kv WHERE app = ?", [.text(app)])
        try connection.run("DELETE FROM docs WHERE app = ?", [.text(app)])
        try connection.run("DELETE FROM stored_blobs WHERE app = ?", [.text(app)])
        for name in try connection.query("SELECT name FROM doc_indexes WHERE app = ?", [.text(app)], { $0.string(0) }) {
            try connection.execute("DROP INDEX IF EXISTS \(SQLRewriter.quote(name))")
        }
        try connection.run("DELETE FROM doc_indexes WHERE app = ?", [.text(app)])
        let prefix = SQLRewriter(app: app).prefix
        // Views and triggers first, then tables (their indexes go with them).
        for type in ["view", "trigger", "table"] {
            let names = try connection.query(
                """
                SELECT name FROM sqlite_master WHERE type = ? AND substr(name, 1, ?) = ?
                ORDER BY sql LIKE 'CREATE VIRTUAL%' DESC
                """,
                [.text(type), .int(prefix.count), .text(prefix)]
            ) { $0.string(0) }
            for name in names {
                try connection.execute("DROP \(type.uppercased()) IF EXISTS \(SQLRewriter.quote(name))")
            }
        }
        try connection.run("DELETE FROM storage_usage WHERE app = ?", [.text(app)])
    }

    /// Deletes the storage of every version preview of `app` (namespaces `<app>--v<N>`, on app
    /// delete); run on the writer.
    public static func deletePreviews(_ connection: Connection, app: String) throws {
        let stem = app + "--v"
        var namespaces = Set<String>()
        for table in ["kv", "docs", "stored_blobs", "doc_indexes", "storage_usage"] {
            let names = try connection.query(
                "SELECT DISTINCT app FROM \(table) WHERE substr(app, 1, ?) = ?",
                [.int(stem.count), .text(stem)]
            ) { $0.string(0) }
            namespaces.formUnion(names)
        }
        // SQL objects are named `app_<namespace>__<name>`; app names hold no `_`.
        let tablePrefix = "app_" + stem
        for name in try ownedObjects(connection, prefix: tablePrefix) {
            guard let end = name.range(of: "__") else { continue }
            namespaces.insert(String(name[name.index(name.startIndex, offsetBy: 4)..<end.lowerBound]))
        }
        for namespace in namespaces {
            let digits = namespace.utf8.dropFirst(stem.utf8.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { continue }
            try deleteAll(connection, app: namespace)
        }
    }

    /// Deletes expired KV keys (a bounded batch); returns how many went.
    public static func sweepExpired(_ connection: Connection, now: Int64) throws -> Int {
        try KVStore.sweep(connection, now: now)
    }
}

/// What an app stores, in bytes.
public struct StorageUsage: Sendable, Equatable {
    public var kv: Int64 = 0
    public var docs: Int64 = 0
    public var blobs: Int64 = 0
    public var sql: Int64 = 0
    /// Persisted events (`persist: true`, webhooks, `system.*` about the app).
    public var events: Int64 = 0
    /// The app's own quota, when the owner set one.
    public var quota: Int?

    public var total: Int64 { kv + docs + blobs + sql + events }
}

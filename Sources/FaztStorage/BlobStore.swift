import FaztStore

/// `fazt.storage.blobs`: binary objects under paths, per app (≤ 50 MB each).
public struct BlobStore {
    let connection: Connection
    let app: String
    let now: () -> Int64

    public init(connection: Connection, app: String, now: @escaping () -> Int64) {
        self.connection = connection
        self.app = app
        self.now = now
    }

    /// Stores `data`; returns `{size, etag}` as JSON text.
    public func put(_ path: String, data: [UInt8], type: String?, etag: String) throws(StorageError) -> String {
        try StorageLimits.checkKey(path, what: "blob path")
        guard data.count <= StorageLimits.blobBytes else {
            throw StorageError(.tooLarge, "the blob is \(data.count) bytes; the limit is 50 MB")
        }
        let type = type.flatMap { $0.isEmpty ? nil : $0 } ?? "application/octet-stream"
        try StorageError.catching {
            try connection.run(
                """
                INSERT INTO stored_blobs (app, path, type, size, etag, data, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (app, path) DO UPDATE SET type = excluded.type, size = excluded.size,
                    etag = excluded.etag, data = excluded.data, updated_at = excluded.updated_at
                """,
                [
                    .text(app), .text(path), .text(String(type.prefix(200))), .int(data.count), .text(etag),
                    .blob(data),
                    .integer(now()),
                ]
            )
        }
        return "{\"size\":\(data.count),\"etag\":\(JSONValue.quoted(etag))}"
    }

    /// `(meta JSON {type, size, etag, updatedAt}, bytes)`, or nil when absent.
    public func get(_ path: String) throws(StorageError) -> (String, [UInt8])? {
        try StorageError.catching {
            try connection.queryOne(
                "SELECT type, size, etag, updated_at, data FROM stored_blobs WHERE app = ? AND path = ?",
                [.text(app), .text(path)]
            ) { row in
                (
                    "{\"type\":\(JSONValue.quoted(row.string(0))),\"size\":\(row.int(1)),"
                        + "\"etag\":\(JSONValue.quoted(row.string(2))),\"updatedAt\":\(row.int64(3))}",
                    row.bytes(4)
                )
            }
        }
    }

    @discardableResult
    public func delete(_ path: String) throws(StorageError) -> Bool {
        try StorageError.catching {
            try connection.run("DELETE FROM stored_blobs WHERE app = ? AND path = ?", [.text(app), .text(path)]) > 0
        }
    }

    /// `[{path, type, size, etag, updatedAt}]` of paths starting with `prefix` (literally), as JSON.
    public func list(prefix: String, limit: Int) throws(StorageError) -> String {
        let limit = min(max(1, limit), StorageLimits.listLimit)
        let items = try StorageError.catching {
            try connection.query(
                """
                SELECT path, type, size, etag, updated_at FROM stored_blobs
                WHERE app = ?1 AND path >= ?2 AND path < ?3 AND substr(path, 1, length(?2)) = ?2 ORDER BY path LIMIT ?4
                """,
                [.text(app), .text(prefix), .text(prefix + "\u{10FFFF}\u{10FFFF}\u{10FFFF}"), .int(limit)]
            ) { row in
                "{\"path\":\(JSONValue.quoted(row.string(0))),\"type\":\(JSONValue.quoted(row.string(1))),"
                    + "\"size\":\(row.int(2)),\"etag\":\(JSONValue.quoted(row.string(3))),\"updatedAt\":\(row.int64(4))}"
            }
        }
        return "[" + items.joined(separator: ",") + "]"
    }
}

import FaztStore
import Foundation

/// Everything one app stored in a `data.db` (kv, documents, blobs, its SQL tables with their
/// schema), as text that two states can be compared by, byte for byte.
public enum AppDataDump {
    /// Reads `app`'s data through a read-only connection (the server may be running).
    public static func dump(path: String, app: String) throws -> String {
        try dump(Connection(path: path, readOnly: true), app: app)
    }

    /// Reads `app`'s data through `connection`; `usage` adds its storage usage counters.
    public static func dump(_ connection: Connection, app: String, usage: Bool = false) throws -> String {
        var out = ""
        func rows(_ sql: String, _ values: [SQLiteValue] = []) throws {
            guard let statement = try connection.prepareFirst(sql)?.statement else { return }
            try statement.bind(values)
            while try statement.step() {
                let row = statement.row
                out += (0..<statement.columnCount).map { "\(row.value($0))" }.joined(separator: "|") + "\n"
            }
        }
        try rows("SELECT key, value, expires_at FROM kv WHERE app = ? ORDER BY key", [.text(app)])
        try rows("SELECT rowid, collection, id, data, created_at FROM docs WHERE app = ? ORDER BY rowid", [.text(app)])
        try rows("SELECT path, type, size, etag, data FROM stored_blobs WHERE app = ? ORDER BY path", [.text(app)])
        if usage {
            try rows(
                """
                SELECT kv_bytes, doc_bytes, blob_bytes FROM storage_usage
                WHERE app = ? AND kv_bytes + doc_bytes + blob_bytes > 0
                """,
                [.text(app)]
            )
        }
        let prefix = "app_\(app)__"
        let objects = try connection.query(
            "SELECT type, name, sql FROM sqlite_master WHERE substr(name, 1, ?) = ? ORDER BY name",
            [.int(prefix.count), .text(prefix)]
        ) { ($0.string(0), $0.string(1), $0.optionalString(2) ?? "") }
        for (type, name, sql) in objects {
            out += sql + "\n"
            if type == "table" { try rows("SELECT * FROM \"\(name)\" ORDER BY 1") }
        }
        return out
    }
}

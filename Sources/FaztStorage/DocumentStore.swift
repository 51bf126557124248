import FaztStore
import Foundation

/// `fazt.storage.docs`: JSON documents in named collections, per app.
///
/// Each document is stored whole as JSON text with its `id`, `_createdAt` and `_updatedAt` inside;
/// queries compile to SQL over `json_extract` (`DocumentQuery`), and `createIndex` builds a partial
/// expression index for one app's collection that those queries use.
public struct DocumentStore {
    let connection: Connection
    let app: String
    let now: () -> Int64

    public init(connection: Connection, app: String, now: @escaping () -> Int64) {
        self.connection = connection
        self.app = app
        self.now = now
    }

    /// Collection names: 1–64 of `[A-Za-z0-9_.-]` (they appear as literals in index conditions).
    static func checkCollection(_ name: String) throws(StorageError) {
        guard (1...64).contains(name.utf8.count),
            name.utf8.allSatisfy({ byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == 0x5F || byte == 0x2D || byte == 0x2E
            })
        else {
            throw StorageError(
                .invalidArgument,
                "invalid collection name \(JSONValue.quoted(String(name.prefix(80)))): use 1-64 letters, digits, _ - ."
            )
        }
    }

    /// `app = '<app>' AND collection = '<collection>'` as literals, so that partial indexes apply.
    private func scope(_ collection: String) throws(StorageError) -> String {
        try Self.checkCollection(collection)
        // App names are [a-z0-9-] (checked by the VFS) and collections are checked above.
        return "app = '\(app)' AND collection = '\(collection)'"
    }

    /// Inserts `document` (a JSON object) and returns its id: `document.id` when it is a string,
    /// else a new UUID.
    public func insert(_ collection: String, _ document: JSONValue) throws(StorageError) -> String {
        _ = try scope(collection)
        guard case .object = document else { throw StorageError(.invalidArgument, "a document must be an object") }
        var document = document
        let id: String
        if let given = document["id"]?.stringValue {
            try StorageLimits.checkKey(given, what: "document id")
            id = given
        } else {
            id = UUID().uuidString.lowercased()
        }
        let time = now()
        document.set(try FieldPath("id"), .string(id))
        document.set(try FieldPath("_createdAt"), .number(Double(time)))
        document.set(try FieldPath("_updatedAt"), .number(Double(time)))
        let text = document.text
        guard text.utf8.count <= StorageLimits.documentBytes else {
            throw StorageError(.tooLarge, "the document is \(text.utf8.count) bytes; the limit is 1 MB")
        }
        do {
            try connection.run(
                "INSERT INTO docs (app, collection, id, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [.text(app), .text(collection), .text(id), .text(text), .integer(time), .integer(time)]
            )
        } catch let error as StoreError where error.isConstraintViolation {
            throw StorageError(
                .constraint,
                "a document with id \(JSONValue.quoted(id)) already exists in \(collection)"
            )
        } catch {
            throw StorageError.wrapping(error)
        }
        return id
    }

    public func get(_ collection: String, id: String) throws(StorageError) -> String? {
        let scope = try scope(collection)
        return try StorageError.catching {
            try connection.queryOne("SELECT data FROM docs WHERE \(scope) AND id = ?", [.text(id)]) { $0.string(0) }
        }
    }

    /// Matching documents as JSON texts, in the requested order.
    public func find(_ collection: String, _ query: JSONValue, options: FindOptions) throws(StorageError) -> [String] {
        let scope = try scope(collection)
        let compiled = try DocumentQuery(query)
        return try StorageError.catching {
            try connection.query(
                "SELECT data FROM docs WHERE \(scope) AND \(compiled.sql) ORDER BY \(options.orderBy) LIMIT ? OFFSET ?",
                compiled.parameters + [.int(options.limit), .int(options.skip)]
            ) { $0.string(0) }
        }
    }

    /// The SQL `find` runs for `query` (for `EXPLAIN QUERY PLAN` in tests and docs).
    public func findSQL(_ collection: String, _ query: JSONValue) throws(StorageError) -> (String, [SQLiteValue]) {
        let scope = try scope(collection)
        let compiled = try DocumentQuery(query)
        return ("SELECT data FROM docs WHERE \(scope) AND \(compiled.sql) ORDER BY rowid", compiled.parameters)
    }

    public func count(_ collection: String, _ query: JSONValue) throws(StorageError) -> Int {
        let scope = try scope(collection)
        let compiled = try DocumentQuery(query)
        return try StorageError.catching {
            try connection.queryOne(
                "SELECT COUNT(*) FROM docs WHERE \(scope) AND \(compiled.sql)",
                compiled.parameters
            ) { $0.int(0) } ?? 0
        }
    }

    /// Applies `changes` (`$set $unset $inc $push $pull`; bare keys mean `$set`) to every matching
    /// document; returns how many changed.
    public func update(_ collection: String, _ query: JSONValue, _ changes: JSONValue) throws(StorageError) -> Int {
        let scope = try scope(collection)
        let compiled = try DocumentQuery(query)
        let update = try DocumentUpdate(changes)
        let rows = try StorageError.catching {
            try connection.query(
                "SELECT rowid, data FROM docs WHERE \(scope) AND \(compiled.sql) ORDER BY rowid",
                compiled.parameters
            ) { ($0.int64(0), $0.string(1)) }
        }
        let time = now()
        for (rowid, text) in rows {
            var document = try JSONValue.parse(text)
            try update.apply(to: &document)
            document.set(try FieldPath("_updatedAt"), .number(Double(time)))
            let updated = document.text
            guard updated.utf8.count <= StorageLimits.documentBytes else {
                throw StorageError(.tooLarge, "the updated document is \(updated.utf8.count) bytes; the limit is 1 MB")
            }
            try StorageError.catching {
                try connection.run(
                    "UPDATE docs SET data = ?, updated_at = ? WHERE rowid = ?",
                    [.text(updated), .integer(time), .integer(rowid)]
                )
            }
        }
        return rows.count
    }

    public func delete(_ collection: String, _ query: JSONValue) throws(StorageError) -> Int {
        let scope = try scope(collection)
        let compiled = try DocumentQuery(query)
        return try StorageError.catching {
            try connection.run("DELETE FROM docs WHERE \(scope) AND \(compiled.sql)", compiled.parameters)
        }
    }

    /// Creates (once) an expression index on `field` for this app's `collection`.
    public func createIndex(_ collection: String, field: String) throws(StorageError) {
        let scope = try scope(collection)
        let path = try FieldPath(field)
        let name = "docidx_" + Self.hash("\(app)\u{0}\(collection)\u{0}\(field)")
        try StorageError.catching {
            try connection.execute("CREATE INDEX IF NOT EXISTS \"\(name)\" ON docs(\(path.extract)) WHERE \(scope)")
            try connection.run(
                "INSERT OR IGNORE INTO doc_indexes (app, collection, field, name) VALUES (?, ?, ?, ?)",
                [.text(app), .text(collection), .text(field), .text(name)]
            )
        }
    }

    /// Names of this app's collections.
    public func collections() throws(StorageError) -> [String] {
        try StorageError.catching {
            try connection.query("SELECT DISTINCT collection FROM docs WHERE app = ? ORDER BY 1", [.text(app)]) {
                $0.string(0)
            }
        }
    }

    /// FNV-1a, 64 bits, as hex: short stable index names.
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The update operators of `docs.update`, validated before any document is touched.
struct DocumentUpdate {
    private enum Change {
        case set(FieldPath, JSONValue)
        case unset(FieldPath)
        case increment(FieldPath, Double)
        case push(FieldPath, JSONValue)
        case pull(FieldPath, JSONValue)
    }

    private var changes: [Change] = []

    init(_ spec: JSONValue) throws(StorageError) {
        guard case .object(let members) = spec, !members.isEmpty else {
            throw StorageError(.invalidQuery, "changes must be a non-empty object, like {$set: {done: true}}")
        }
        for (key, value) in members {
            guard key.hasPrefix("$") else {
                changes.append(.set(try Self.path(key), value))
                continue
            }
            guard case .object(let fields) = value else {
                throw StorageError(.invalidQuery, "\(key) takes an object of fields")
            }
            for (field, operand) in fields {
                let path = try Self.path(field)
                switch key {
                case "$set": changes.append(.set(path, operand))
                case "$unset": changes.append(.unset(path))
                case "$inc":
                    guard case .number(let by) = operand else {
                        throw StorageError(.invalidQuery, "$inc on \(field) needs a number")
                    }
                    changes.append(.increment(path, by))
                case "$push": changes.append(.push(path, operand))
                case "$pull": changes.append(.pull(path, operand))
                default: throw StorageError(.invalidQuery, "unknown update operator \(key)")
                }
            }
        }
    }

    private static func path(_ field: String) throws(StorageError) -> FieldPath {
        let path = try FieldPath(field)
        guard path.segments.first != .key("id") else {
            throw StorageError(.invalidQuery, "a document's id cannot be changed")
        }
        return path
    }

    func apply(to document: inout JSONValue) throws(StorageError) {
        for change in changes {
            switch change {
            case .set(let path, let value):
                document.set(path, value)
            case .unset(let path):
                document.set(path, nil)
            case .increment(let path, let by):
                let current = document.value(at: path)
                guard current == nil || current?.numberValue != nil else {
                    throw StorageError(.invalidQuery, "$inc: \(path.text) is not a number")
                }
                document.set(path, .number((current?.numberValue ?? 0) + by))
            case .push(let path, let value):
                switch document.value(at: path) {
                case nil: document.set(path, .array([value]))
                case .array(let items)?: document.set(path, .array(items + [value]))
                default: throw StorageError(.invalidQuery, "$push: \(path.text) is not an array")
                }
            case .pull(let path, let value):
                guard case .array(let items)? = document.value(at: path) else { continue }
                document.set(path, .array(items.filter { $0 != value }))
            }
        }
    }
}

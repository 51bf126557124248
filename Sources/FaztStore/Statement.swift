import CSQLite

// SQLITE_TRANSIENT tells SQLite to copy bound bytes; the Swift buffer may move after binding.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement owned by one `Connection`; finalized in `deinit`.
public final class Statement {
    let handle: OpaquePointer
    let connection: OpaquePointer
    /// The SQL text, kept for error messages.
    public let sql: String

    init(connection: OpaquePointer, sql: String) throws {
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v3(connection, sql, -1, 0, &statement, nil), connection, sql: sql)
        guard let statement else {
            throw StoreError(code: .sqlite(SQLITE_MISUSE), message: "empty statement", sql: sql)
        }
        self.handle = statement
        self.connection = connection
        self.sql = sql
    }

    init(handle: OpaquePointer, connection: OpaquePointer, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// True when stepping the statement cannot change the database.
    public var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    /// Number of result columns.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// Name of result column `index`.
    public func columnName(_ index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    /// Number of parameters the statement takes.
    public var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    /// The current row (valid after `step` returned true, until the next step or reset).
    public var row: Row { Row(handle: handle) }

    /// Resets the statement and binds `values` to its parameters, in order.
    public func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds named parameters; each name is tried as `:name`, `@name` and `$name` (or as given
    /// when it already starts with one of those).
    public func bind(named values: [(String, SQLiteValue)]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (name, value) in values {
            let candidates =
                name.first.map { ":@$".contains($0) } == true ? [name] : [":" + name, "@" + name, "$" + name]
            guard
                let index = candidates.lazy.map({ sqlite3_bind_parameter_index(self.handle, $0) }).first(where: {
                    $0 > 0
                })
            else {
                throw StoreError(code: .sqlite(SQLITE_RANGE), message: "no parameter named \(name)", sql: sql)
            }
            try bind(value, at: index)
        }
    }

    private func bind(_ value: SQLiteValue, at index: Int32) throws {
        let result: Int32
        switch value {
        case .null: result = sqlite3_bind_null(handle, index)
        case .integer(let int): result = sqlite3_bind_int64(handle, index, int)
        case .real(let double): result = sqlite3_bind_double(handle, index, double)
        case .text(let string): result = sqlite3_bind_text(handle, index, string, -1, transient)
        case .blob(let bytes):
            result = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return sqlite3_bind_zeroblob(handle, index, 0) }
                return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(raw.count), transient)
            }
        }
        try check(result, connection, sql: sql)
    }

    /// Advances to the next row; returns false when the statement is done.
    public func step() throws -> Bool {
        let result = sqlite3_step(handle)
        if result == SQLITE_ROW { return true }
        if result == SQLITE_DONE { return false }
        let error = StoreError(
            code: .sqlite(result),
            message: String(cString: sqlite3_errmsg(connection)),
            sql: sql
        )
        sqlite3_reset(handle)
        throw error
    }

    /// Releases locks held by a partially stepped statement.
    public func reset() { sqlite3_reset(handle) }
}

/// The current row of a stepping statement; valid only inside the row callback.
public struct Row {
    let handle: OpaquePointer

    /// The storage class of column `index`.
    public func type(_ index: Int32) -> SQLiteType {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer
        case SQLITE_FLOAT: return .real
        case SQLITE_TEXT: return .text
        case SQLITE_BLOB: return .blob
        default: return .null
        }
    }

    /// True when column `index` is NULL.
    public func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    /// Column `index` as a 64-bit integer (0 for NULL).
    public func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// Column `index` as an `Int` (0 for NULL).
    public func int(_ index: Int32) -> Int { Int(sqlite3_column_int64(handle, index)) }

    /// Column `index` as a double.
    public func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// Column `index` as text ("" for NULL).
    public func string(_ index: Int32) -> String {
        guard let text = sqlite3_column_text(handle, index) else { return "" }
        return String(cString: text)
    }

    /// Column `index` as text, or nil for NULL.
    public func optionalString(_ index: Int32) -> String? { isNull(index) ? nil : string(index) }

    /// Column `index` as an integer, or nil for NULL.
    public func optionalInt(_ index: Int32) -> Int? { isNull(index) ? nil : int(index) }

    /// Column `index` as bytes (empty for NULL).
    public func bytes(_ index: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let base = sqlite3_column_blob(handle, index) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Column `index` as bytes, or nil for NULL.
    public func optionalBytes(_ index: Int32) -> [UInt8]? { isNull(index) ? nil : bytes(index) }

    /// Calls `body` with the column's bytes without copying them.
    public func withBytes<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let count = Int(sqlite3_column_bytes(handle, index))
        let base = sqlite3_column_blob(handle, index)
        return try body(UnsafeRawBufferPointer(start: count > 0 ? base : nil, count: count))
    }
}

/// SQLite's storage classes.
public enum SQLiteType: Sendable {
    case null, integer, real, text, blob
}

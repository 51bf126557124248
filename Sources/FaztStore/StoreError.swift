import CSQLite

/// An error from the storage layer, carrying SQLite's own message and result code.
///
/// Bound parameter values are never part of the message, so secrets stored through the
/// store cannot leak into logs through an error.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Wrapped: Hashable, Sendable {
            case sqlite(Int32)
            case migration
            case closed
            case tooNew
        }

        let wrapped: Wrapped

        /// SQLite returned an error result code.
        public static func sqlite(_ code: Int32) -> Code { Code(wrapped: .sqlite(code)) }
        /// A schema migration failed.
        public static let migration = Code(wrapped: .migration)
        /// The store was already closed.
        public static let closed = Code(wrapped: .closed)
        /// The database was written by a newer version of fazt.
        public static let tooNew = Code(wrapped: .tooNew)

        /// The SQLite primary result code, when there is one.
        public var sqliteCode: Int32? {
            if case .sqlite(let code) = wrapped { return code & 0xFF }
            return nil
        }

        public var description: String {
            switch wrapped {
            case .sqlite(let code): return "sqlite(\(code))"
            case .migration: return "migration"
            case .closed: return "closed"
            case .tooNew: return "tooNew"
            }
        }
    }

    /// The failure kind.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The statement that failed, if any (text only, never bound values).
    public var sql: String?

    public init(code: Code, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// True when the failure is a UNIQUE / PRIMARY KEY constraint violation.
    public var isConstraintViolation: Bool { code.sqliteCode == SQLITE_CONSTRAINT }

    public var description: String {
        if let sql { return "\(message) (\(code), in: \(sql))" }
        return "\(message) (\(code))"
    }
}

/// Turns a SQLite result code into a thrown `StoreError` with the connection's message.
@inline(__always)
func check(_ result: Int32, _ handle: OpaquePointer?, sql: String? = nil) throws {
    guard result == SQLITE_OK || result == SQLITE_DONE || result == SQLITE_ROW else {
        let message =
            handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(result))
        throw StoreError(code: .sqlite(result), message: message, sql: sql)
    }
}

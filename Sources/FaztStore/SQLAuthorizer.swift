import CSQLite

/// A decision function SQLite calls while preparing statements (see `Connection.setAuthorizer`).
public final class SQLAuthorizer {
    /// One authorization request: the action code and its up to four string arguments.
    public struct Request {
        /// `SQLITE_CREATE_TABLE`, `SQLITE_READ`, `SQLITE_PRAGMA`, … (sqlite3.h).
        public var action: Int32
        public var first: String?
        public var second: String?
        /// Schema name (`main`, `temp`, …) where it applies.
        public var database: String?
        /// Innermost trigger or view responsible, if any.
        public var trigger: String?
    }

    let decide: (Request) -> Bool

    /// `decide` returns true to allow; it must be fast and must not use the connection.
    public init(_ decide: @escaping (Request) -> Bool) {
        self.decide = decide
    }
}

/// SQLite's authorizer action codes, re-exported for modules that do not import CSQLite.
public enum SQLAction {
    public static let createIndex = SQLITE_CREATE_INDEX
    public static let createTable = SQLITE_CREATE_TABLE
    public static let createTempIndex = SQLITE_CREATE_TEMP_INDEX
    public static let createTempTable = SQLITE_CREATE_TEMP_TABLE
    public static let createTempTrigger = SQLITE_CREATE_TEMP_TRIGGER
    public static let createTempView = SQLITE_CREATE_TEMP_VIEW
    public static let createTrigger = SQLITE_CREATE_TRIGGER
    public static let createView = SQLITE_CREATE_VIEW
    public static let delete = SQLITE_DELETE
    public static let dropIndex = SQLITE_DROP_INDEX
    public static let dropTable = SQLITE_DROP_TABLE
    public static let dropTempIndex = SQLITE_DROP_TEMP_INDEX
    public static let dropTempTable = SQLITE_DROP_TEMP_TABLE
    public static let dropTempTrigger = SQLITE_DROP_TEMP_TRIGGER
    public static let dropTempView = SQLITE_DROP_TEMP_VIEW
    public static let dropTrigger = SQLITE_DROP_TRIGGER
    public static let dropView = SQLITE_DROP_VIEW
    public static let insert = SQLITE_INSERT
    public static let pragma = SQLITE_PRAGMA
    public static let read = SQLITE_READ
    public static let select = SQLITE_SELECT
    public static let transaction = SQLITE_TRANSACTION
    public static let update = SQLITE_UPDATE
    public static let attach = SQLITE_ATTACH
    public static let detach = SQLITE_DETACH
    public static let alterTable = SQLITE_ALTER_TABLE
    public static let reindex = SQLITE_REINDEX
    public static let analyze = SQLITE_ANALYZE
    public static let createVTable = SQLITE_CREATE_VTABLE
    public static let dropVTable = SQLITE_DROP_VTABLE
    public static let function = SQLITE_FUNCTION
    public static let savepoint = SQLITE_SAVEPOINT
    public static let recursive = SQLITE_RECURSIVE
}

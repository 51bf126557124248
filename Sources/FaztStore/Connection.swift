import CSQLite
import Dispatch

/// One SQLite connection, owned by one thread at a time; closed in `deinit`.
///
/// Statements are prepared once and cached by SQL text, so hot paths pay only for binding and
/// stepping.
public final class Connection {
    let handle: OpaquePointer
    private var cache: [String: Statement] = [:]
    /// True for connections opened read-only.
    public let isReadOnly: Bool
    /// The per-app data journal (the writer connection of a store that journals data).
    var journal: ChangeJournal?

    /// Opens (creating when allowed) the database at `path`.
    public init(path: String, readOnly: Bool) throws {
        var db: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let result = sqlite3_open_v2(path, &db, flags, nil)
        guard result == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_close_v2(db)
            throw StoreError(code: .sqlite(result), message: "cannot open \(path): \(message)")
        }
        self.handle = db
        self.isReadOnly = readOnly
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        // Sessions must go before the connection does.
        journal = nil
        cache.removeAll()
        sqlite3_close_v2(handle)
        authorizerBox.map { Unmanaged<SQLAuthorizer>.fromOpaque($0).release() }
        progressBox.map { Unmanaged<DeadlineBox>.fromOpaque($0).release() }
    }

    /// Runs one or more SQL statements that take no parameters.
    public func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), handle, sql: sql)
    }

    /// Returns the cached prepared statement for `sql`, preparing it on first use.
    public func prepare(_ sql: String) throws -> Statement {
        if let statement = cache[sql] { return statement }
        let statement = try Statement(connection: handle, sql: sql)
        // Bounded: app storage builds statements per collection and query shape.
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[sql] = statement
        return statement
    }

    /// Most statements kept prepared per connection.
    static let cacheLimit = 512

    /// Prepares the first statement of `sql` without caching it; `tail` is the text after it (empty
    /// when `sql` holds one statement).
    ///
    /// Nil when `sql` holds no statement at all.
    public func prepareFirst(_ sql: String) throws -> (statement: Statement, tail: Substring)? {
        var statement: OpaquePointer?
        var tailOffset = 0
        try sql.withCString { base in
            var tail: UnsafePointer<CChar>?
            try check(sqlite3_prepare_v3(handle, base, -1, 0, &statement, &tail), handle, sql: sql)
            if let tail { tailOffset = tail - base }
        }
        guard let statement else { return nil }
        let utf8 = sql.utf8
        let index = utf8.index(utf8.startIndex, offsetBy: min(tailOffset, utf8.count))
        return (Statement(handle: statement, connection: handle, sql: sql), sql[index...])
    }

    /// Installs `authorizer` for statements prepared from now on (nil removes it).
    ///
    /// SQLite consults it while *preparing*; it must not touch this connection.
    public func setAuthorizer(_ authorizer: SQLAuthorizer?) {
        if let authorizer {
            let box = Unmanaged.passRetained(authorizer)
            authorizerBox.map { Unmanaged<SQLAuthorizer>.fromOpaque($0).release() }
            authorizerBox = box.toOpaque()
            sqlite3_set_authorizer(
                handle,
                { context, action, first, second, database, trigger in
                    guard let context else { return SQLITE_DENY }
                    let authorizer = Unmanaged<SQLAuthorizer>.fromOpaque(context).takeUnretainedValue()
                    let allowed = authorizer.decide(
                        SQLAuthorizer.Request(
                            action: action,
                            first: first.map { String(cString: $0) },
                            second: second.map { String(cString: $0) },
                            database: database.map { String(cString: $0) },
                            trigger: trigger.map { String(cString: $0) }
                        )
                    )
                    return allowed ? SQLITE_OK : SQLITE_DENY
                },
                box.toOpaque()
            )
        } else {
            sqlite3_set_authorizer(handle, nil, nil)
            authorizerBox.map { Unmanaged<SQLAuthorizer>.fromOpaque($0).release() }
            authorizerBox = nil
        }
    }

    private var authorizerBox: UnsafeMutableRawPointer?
    private var progressBox: UnsafeMutableRawPointer?

    /// Interrupts any statement that is still running at `deadline` (uptime nanoseconds).
    ///
    /// Nil removes the limit. An interrupted statement fails with `SQLITE_INTERRUPT`.
    public func setDeadline(_ deadline: UInt64?) {
        progressBox.map { Unmanaged<DeadlineBox>.fromOpaque($0).release() }
        progressBox = nil
        guard let deadline else {
            sqlite3_progress_handler(handle, 0, nil, nil)
            return
        }
        let box = Unmanaged.passRetained(DeadlineBox(deadline: deadline))
        progressBox = box.toOpaque()
        sqlite3_progress_handler(
            handle,
            10_000,
            { context in
                guard let context else { return 0 }
                let deadline = Unmanaged<DeadlineBox>.fromOpaque(context).takeUnretainedValue().deadline
                return DispatchTime.now().uptimeNanoseconds > deadline ? 1 : 0
            },
            box.toOpaque()
        )
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// The connection's latest error message.
    public var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs a statement that returns no rows; returns the number of changed rows.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        while try statement.step() {}
        return Int(sqlite3_changes64(handle))
    }

    /// Runs a query and maps each row with `transform`.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ transform: (Row) throws -> T) throws -> [T] {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        var rows: [T] = []
        while try statement.step() {
            rows.append(try transform(Row(handle: statement.handle)))
        }
        return rows
    }

    /// Runs a query and maps only its first row, if any.
    public func queryOne<T>(_ sql: String, _ values: [SQLiteValue] = [], _ transform: (Row) throws -> T) throws -> T? {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try transform(Row(handle: statement.handle))
    }

    /// The rowid of the last inserted row.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by every INSERT, UPDATE and DELETE since the connection opened (triggers included).
    public var totalChanges: Int { Int(sqlite3_total_changes64(handle)) }

    /// True while a transaction is open on this connection.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction of its own, committing on success and rolling back on error.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try run("COMMIT")
            return value
        } catch {
            _ = try? run("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` inside a savepoint: its changes are undone if it throws.
    ///
    /// Transaction control runs as cached prepared statements: the writer issues these per job.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try run("SAVEPOINT fazt_sp")
        journal?.savepointBegan()
        do {
            let value = try body()
            try run("RELEASE fazt_sp")
            journal?.savepointReleased()
            return value
        } catch {
            _ = try? run("ROLLBACK TO fazt_sp")
            _ = try? run("RELEASE fazt_sp")
            journal?.savepointRolledBack()
            throw error
        }
    }

    /// Frees as much of this connection's page cache as possible.
    public func releaseMemory() { sqlite3_db_release_memory(handle) }

    /// Runs `PRAGMA integrity_check` and returns its first line (`ok` when healthy).
    public func integrityCheck() throws -> String {
        try queryOne("PRAGMA integrity_check") { $0.string(0) } ?? "no result"
    }
}

/// The deadline a progress handler checks.
private final class DeadlineBox {
    let deadline: UInt64
    init(deadline: UInt64) { self.deadline = deadline }
}

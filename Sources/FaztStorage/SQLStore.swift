import FaztStore
import Foundation

/// `fazt.storage.sql`: an app's own SQL tables in `data.db` under the plain names it chose.
///
/// Two layers keep apps apart: `SQLRewriter` moves every name into `app_<name>__…`, and an
/// authorizer installed while the app's statement is prepared and run (`SQLAccess`) denies any
/// table outside that prefix, temp objects, ATTACH, PRAGMAs other than a few read-only ones on
/// the app's own tables, transactions (use `fazt.storage.transaction`), VACUUM and
/// `load_extension`.
public struct SQLStore {
    let connection: Connection
    let app: String
    let rewriter: SQLRewriter
    let timeLimit: UInt64

    public init(connection: Connection, app: String, timeLimit: UInt64 = SQLStore.statementTimeLimit) {
        self.connection = connection
        self.app = app
        self.rewriter = SQLRewriter(app: app)
        self.timeLimit = timeLimit
    }

    /// Longest one app statement may run (it is interrupted after this), in nanoseconds.
    public static let statementTimeLimit: UInt64 = 5_000_000_000

    /// Whether `sql` only reads (so a worker may run it on its read-only connection).
    public func isReadOnly(_ sql: String) throws(StorageError) -> Bool {
        try withStatement(sql) { statement in statement.isReadOnly }
    }

    /// Rows as a JSON array of objects (`[{column: value}]`); blobs come back as base64 strings.
    public func query(_ sql: String, _ parameters: JSONValue?) throws(StorageError) -> String {
        try withStatement(sql) { statement in
            try Self.bind(statement, parameters)
            defer { statement.reset() }
            return try rows(statement)
        }
    }

    /// Runs `sql` only when it reads (the owner's `fazt sql`): the result's column names, in
    /// order, and its rows as `query` returns them; nil when the statement would write.
    public func read(
        _ sql: String,
        _ parameters: JSONValue?
    ) throws(StorageError) -> (columns: [String], rows: String)? {
        try withStatement(sql) { statement in
            guard statement.isReadOnly else { return nil }
            try Self.bind(statement, parameters)
            defer { statement.reset() }
            let columns = (0..<statement.columnCount).map { statement.columnName($0) }
            return (columns, try rows(statement))
        }
    }

    /// Steps `statement` to the end, collecting its rows as a JSON array of objects.
    private func rows(_ statement: Statement) throws -> String {
        let count = statement.columnCount
        let names = (0..<count).map { JSONValue.quoted(statement.columnName($0)) }
        var out = "["
        var rows = 0
        while try statement.step() {
            rows += 1
            guard rows <= StorageLimits.findLimit * 10 else {
                throw StorageError(
                    .tooLarge,
                    "the query returned more than \(StorageLimits.findLimit * 10) rows; add a LIMIT"
                )
            }
            if rows > 1 { out += "," }
            out += "{"
            let row = statement.row
            for column in 0..<count {
                if column > 0 { out += "," }
                out += names[Int(column)] + ":"
                switch row.type(column) {
                case .null: out += "null"
                case .integer: out += String(row.int64(column))
                case .real: out += JSONValue.format(row.double(column))
                case .text: JSONValue.quote(row.string(column), into: &out)
                case .blob: JSONValue.quote(Data(row.bytes(column)).base64EncodedString(), into: &out)
                }
            }
            out += "}"
            guard out.utf8.count <= 64 << 20 else {
                throw StorageError(.tooLarge, "the query result is over 64 MB; add a LIMIT")
            }
        }
        return out + "]"
    }

    /// Runs one statement; returns `{changes, lastInsertRowid}` as JSON text.
    ///
    /// SQLite keeps both counters per connection, across statements and apps: a statement that
    /// changed no row reports 0 changes, and `lastInsertRowid` is `null` unless it inserted.
    public func exec(_ sql: String, _ parameters: JSONValue?) throws(StorageError) -> String {
        let access = SQLAccess(prefix: rewriter.prefix)
        var newTables: [String] = []
        let result = try withStatement(sql, access: access) { statement in
            if !access.schemaChanges.isEmpty && connection.journalsData {
                newTables = try journalSchemaChange(sql, changes: access.schemaChanges, access: access)
            }
            try Self.bind(statement, parameters)
            defer { statement.reset() }
            let before = connection.totalChanges
            let rowIDBefore = connection.lastInsertRowID
            while try statement.step() {}
            guard connection.totalChanges != before else { return #"{"changes":0,"lastInsertRowid":null}"# }
            let rowID = connection.lastInsertRowID
            let inserted = rowID != rowIDBefore || Self.isInsert(sql)
            return "{\"changes\":\(connection.changes),\"lastInsertRowid\":\(inserted ? String(rowID) : "null")}"
        }
        if !newTables.isEmpty { try requirePrimaryKeys(newTables) }
        return result
    }

    /// Whether the statement's verb is INSERT or REPLACE (after an optional WITH clause).
    static func isInsert(_ sql: String) -> Bool {
        guard let tokens = try? SQLTokenizer.tokenize(Array(sql.utf8)) else { return false }
        var depth = 0
        for token in tokens {
            if token.kind == .punctuation {
                if token.value == "(" { depth += 1 } else if token.value == ")" { depth -= 1 }
                continue
            }
            guard depth == 0, token.kind == .word else { continue }
            switch token.value {
            case "INSERT", "REPLACE": return true
            case "UPDATE", "DELETE", "SELECT", "CREATE", "DROP", "ALTER": return false
            default: continue
            }
        }
        return false
    }

    /// Names of the app's own tables (without the prefix).
    public func tables() throws(StorageError) -> [String] {
        try StorageError.catching {
            try connection.query(
                "SELECT substr(name, ?) FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ? ORDER BY 1",
                [.int(rewriter.prefix.count + 1), .int(rewriter.prefix.count), .text(rewriter.prefix)]
            ) { $0.string(0) }
        }
    }

    /// Prepares the rewritten statement with the authorizer installed (also while `body` steps it,
    /// so that a re-prepare after a schema change is checked the same way).
    private func withStatement<T>(
        _ sql: String,
        access: SQLAccess? = nil,
        _ body: (Statement) throws -> T
    ) throws(StorageError) -> T {
        do {
            return try prepared(sql, access: access ?? SQLAccess(prefix: rewriter.prefix), body)
        } catch {
            // Name the statement: a handler may run many, and SQLite's text alone does not say which.
            throw StorageError(error.code, "SQL: \(error.message) (in \"\(Self.opening(sql))\")")
        }
    }

    /// The first words of a statement (at most 6, or 48 characters), for error messages.
    static func opening(_ sql: String) -> String {
        let words = sql.split(whereSeparator: \.isWhitespace)
        let text = words.prefix(6).joined(separator: " ")
        return words.count > 6 || text.count > 48 ? String(text.prefix(48)) + "…" : text
    }

    private func prepared<T>(
        _ sql: String,
        access: SQLAccess,
        _ body: (Statement) throws -> T
    ) throws(StorageError) -> T {
        guard sql.utf8.count <= 1 << 20 else { throw StorageError(.tooLarge, "the SQL text is over 1 MB") }
        let rewritten = try rewriter.rewrite(sql)
        connection.setAuthorizer(access.authorizer)
        // An endless query must not hold the writer (or a worker) forever.
        connection.setDeadline(DispatchTime.now().uptimeNanoseconds + timeLimit)
        defer {
            connection.setAuthorizer(nil)
            connection.setDeadline(nil)
        }
        do {
            guard let (statement, _) = try connection.prepareFirst(rewritten) else {
                throw StorageError(.invalidArgument, "the SQL text holds no statement")
            }
            return try body(statement)
        } catch let error as StorageError {
            throw error
        } catch {
            if let denial = access.denial { throw StorageError(.sqlDenied, denial) }
            throw StorageError.wrapping(error, prefix: rewriter.prefix)
        }
    }

    /// Binds a JSON array (positional) or object (`:name`, `@name`, `$name`) of parameters.
    static func bind(_ statement: Statement, _ parameters: JSONValue?) throws {
        var values: [SQLiteValue] = []
        switch parameters {
        case nil, .null?:
            break
        case .array(let items)?:
            values = items.map(value)
        case .object(let members)?:
            var named: [(String, SQLiteValue)] = []
            for (key, item) in members { named.append((key, value(item))) }
            try statement.bind(named: named)
            return
        default:
            throw StorageError(.invalidArgument, "SQL parameters must be an array or an object")
        }
        guard values.count <= statement.parameterCount else {
            throw StorageError(
                .invalidArgument,
                "\(values.count) parameters given; the statement takes \(statement.parameterCount)"
            )
        }
        try statement.bind(values)
    }

    static func value(_ json: JSONValue) -> SQLiteValue {
        switch json {
        case .null: return .null
        case .bool(let flag): return .integer(flag ? 1 : 0)
        case .number(let number): return DocumentQuery.bind(number)
        case .string(let text): return .text(text)
        case .array, .object: return .text(json.text)
        }
    }
}

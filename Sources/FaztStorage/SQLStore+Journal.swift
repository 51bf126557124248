import FaztStore

/// How app SQL keeps data restore points exact: SQLite's sessions record rows only, and only of
/// tables with an explicit PRIMARY KEY, so schema changes are journaled separately and tables
/// without a key are refused while the data journal is on.
extension SQLStore {
    /// Before a statement that makes schema `changes`: refuses table renames (a restore could not
    /// follow them) and queues a copy of the affected tables for the journal; returns the tables
    /// the statement is about to create (`CREATE TABLE IF NOT EXISTS` of an existing one is no
    /// change and costs nothing).
    func journalSchemaChange(_ sql: String, changes: [SQLAccess.SchemaChange], access: SQLAccess) throws -> [String] {
        var effective: [SQLAccess.SchemaChange] = []
        for change in changes {
            let exists =
                try connection.queryOne(
                    "SELECT 1 FROM sqlite_master WHERE name = ? COLLATE NOCASE",
                    [.text(change.object)]
                ) { _ in
                    true
                } ?? false
            if change.creates && exists { continue }
            effective.append(change)
        }
        guard !effective.isEmpty else { return [] }
        if Self.renamesTable(sql) {
            throw StorageError(
                .invalidArgument,
                "ALTER TABLE … RENAME TO is not supported while data restore points are on; create the new table, "
                    + "copy the rows (INSERT INTO new SELECT * FROM old) and drop the old one"
            )
        }
        // The journal's own statements (a session's changeset needs a savepoint) are the kernel's.
        connection.setAuthorizer(nil)
        defer { connection.setAuthorizer(access.authorizer) }
        try connection.willChangeSchema(app: app, tables: effective.map(\.table))
        return effective.filter { $0.creates && $0.isTable }.map(\.object)
    }

    /// After `CREATE TABLE`: every new table must have an explicit PRIMARY KEY (the statement is
    /// undone otherwise, since the caller's savepoint rolls back on the error).
    func requirePrimaryKeys(_ tables: [String]) throws(StorageError) {
        for table in Set(tables).sorted() {
            let keyed = try StorageError.catching {
                let kind = try connection.queryOne(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
                    [.text(table)]
                ) { $0.string(0) }
                // Gone (rolled back) or a virtual table's shadow: nothing to check.
                guard let kind, !kind.uppercased().hasPrefix("CREATE VIRTUAL") else { return true }
                return try connection.queryOne(
                    "SELECT COUNT(*) FROM pragma_table_info(?) WHERE pk > 0",
                    [.text(table)]
                ) { $0.int(0) > 0 } ?? false
            }
            guard keyed else {
                let name = String(table.dropFirst(rewriter.prefix.count))
                throw StorageError(
                    .invalidArgument,
                    "CREATE TABLE \(name) has no PRIMARY KEY; data restore points need one to record its rows. "
                        + "Declare one, e.g. CREATE TABLE \(name) (id INTEGER PRIMARY KEY, …)"
                )
            }
        }
    }

    /// Whether `sql` is `ALTER TABLE x RENAME TO y` (not `RENAME COLUMN`).
    static func renamesTable(_ sql: String) -> Bool {
        guard let tokens = try? SQLTokenizer.tokenize(Array(sql.utf8)) else { return false }
        let words = tokens.filter { $0.kind == .word }.map(\.value)
        guard words.first == "ALTER" else { return false }
        for index in words.indices.dropLast() where words[index] == "RENAME" && words[index + 1] == "TO" {
            return true
        }
        return false
    }
}

/// One step of the schema, identified by its position in an append-only list.
public struct Migration: Sendable {
    /// The schema version this migration produces (1, 2, 3, …).
    public let version: Int
    /// A short name, for logs.
    public let name: String
    /// The SQL it runs, in one transaction.
    public let sql: String
    /// Work SQL cannot do (hashing, encoding), run after `sql` in the same transaction.
    public let apply: (@Sendable (Connection) throws -> Void)?

    public init(version: Int, name: String, sql: String, apply: (@Sendable (Connection) throws -> Void)? = nil) {
        self.version = version
        self.name = name
        self.sql = sql
        self.apply = apply
    }
}

/// Applies migrations that a database has not seen yet, tracked in `PRAGMA user_version`.
///
/// Migrations are append-only: a released migration is never edited, only followed by a new one.
/// A database written by a newer fazt (a higher version than we know) is refused, not damaged.
enum Migrator {
    static func migrate(_ connection: Connection, _ migrations: [Migration]) throws -> [Migration] {
        for (index, migration) in migrations.enumerated() where migration.version != index + 1 {
            preconditionFailure("migration \(migration.name) must have version \(index + 1)")
        }
        let current = try connection.queryOne("PRAGMA user_version") { $0.int(0) } ?? 0
        guard current <= migrations.count else {
            throw StoreError(
                code: .tooNew,
                message: "the database has schema version \(current), but this fazt knows only \(migrations.count); "
                    + "upgrade fazt to open it"
            )
        }
        var applied: [Migration] = []
        for migration in migrations.dropFirst(current) {
            do {
                try connection.transaction {
                    try connection.execute(migration.sql)
                    try migration.apply?(connection)
                    try connection.execute("PRAGMA user_version = \(migration.version)")
                }
            } catch let error as StoreError {
                throw StoreError(
                    code: .migration,
                    message: "migration \(migration.version) (\(migration.name)) failed: \(error.message)"
                )
            }
            applied.append(migration)
        }
        return applied
    }
}

extension KernelSchema {
    /// Migration 20: ES modules and TypeScript files as transformed at deploy, keyed by the
    /// source's blob hash and the transform that made them (a new compiler never reads old output).
    ///
    /// Derived data: losing a row only makes a worker transform that module again on first load.
    static let moduleCacheMigration = Migration(
        version: 20,
        name: "module cache (ES modules and TypeScript as CommonJS)",
        sql: """
            CREATE TABLE module_cache (
                hash BLOB NOT NULL,
                transform TEXT NOT NULL,
                code TEXT NOT NULL,
                lines TEXT NOT NULL,
                imports TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (hash, transform)
            ) WITHOUT ROWID;
            """
    )
}

/// The kernel's schema: an append-only, numbered list of migrations embedded in the binary.
///
/// Never edit a released entry; add a new one at the end.
public enum KernelSchema {
    /// Every migration, in order; version N is at index N-1.
    public static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "vfs and tokens",
            sql: """
                CREATE TABLE apps (
                    name TEXT PRIMARY KEY,
                    live_version INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE blobs (
                    id INTEGER PRIMARY KEY,
                    hash BLOB NOT NULL UNIQUE,
                    size INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    gzip BLOB,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE versions (
                    app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
                    n INTEGER NOT NULL,
                    parent INTEGER,
                    message TEXT,
                    source TEXT NOT NULL,
                    files INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    manifest TEXT,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (app, n)
                ) WITHOUT ROWID;
                CREATE TABLE files (
                    app TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    blob BLOB NOT NULL,
                    size INTEGER NOT NULL,
                    mime TEXT NOT NULL,
                    PRIMARY KEY (app, version, path),
                    FOREIGN KEY (app, version) REFERENCES versions(app, n) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE INDEX files_blob ON files(blob);
                CREATE TABLE tokens (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER
                );
                CREATE TABLE settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                """
        ),
        Migration(
            version: 2,
            name: "app logs",
            sql: """
                CREATE TABLE logs (
                    id INTEGER PRIMARY KEY,
                    app TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    level TEXT NOT NULL,
                    message TEXT NOT NULL
                );
                CREATE INDEX logs_app ON logs(app, id);
                """
        ),
        Migration(
            version: 3,
            name: "app env",
            sql: """
                CREATE TABLE env (
                    app TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (app, key)
                ) WITHOUT ROWID;
                """
        ),
    ]
}

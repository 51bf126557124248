import CSQLite
import Foundation

extension Connection {
    /// Copies this connection's whole `main` database into a new file at `path` with SQLite's online
    /// backup API in one step (`sqlite3_backup_step(-1)`), so the copy is one consistent read
    /// transaction: a stepped backup restarts whenever another connection writes and may never end.
    ///
    /// In WAL mode the read transaction does not block the writer (it only holds back checkpoints).
    public func backup(into path: String) throws {
        let destination = try Connection(path: path, readOnly: false)
        // The copy is a scratch file (checked, compressed, deleted): syncing it would only force a
        // large write-back burst that slows the server's own WAL syncs.
        try destination.execute("PRAGMA synchronous=OFF")
        try destination.execute("PRAGMA journal_mode=OFF")
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw StoreError(
                code: .sqlite(sqlite3_errcode(destination.handle)),
                message: "cannot start a backup into \(path): \(destination.lastErrorMessage)"
            )
        }
        let stepped = sqlite3_backup_step(backup, -1)
        let finished = sqlite3_backup_finish(backup)
        guard stepped == SQLITE_DONE else {
            throw StoreError(
                code: .sqlite(stepped),
                message: "backup into \(path) failed: \(String(cString: sqlite3_errstr(stepped)))"
            )
        }
        guard finished == SQLITE_OK else {
            throw StoreError(
                code: .sqlite(finished),
                message: "backup into \(path) failed: \(destination.lastErrorMessage)"
            )
        }
    }

    /// The schema version (`PRAGMA user_version`): the number of migrations applied.
    public func schemaVersion() throws -> Int {
        try queryOne("PRAGMA user_version") { $0.int(0) } ?? 0
    }
}

extension Store {
    /// Copies the database into a new file at `path` while the store keeps serving (see
    /// `Connection.backup(into:)`); returns the copy's schema version.
    ///
    /// Runs on a read-only connection of its own, so the reader pool stays available; blocking.
    public func backup(into path: String) throws -> Int {
        let source = try Connection(path: self.path, readOnly: true)
        try source.execute("PRAGMA query_only=ON")
        try source.backup(into: path)
        let copy = try Connection(path: path, readOnly: true)
        return try copy.schemaVersion()
    }

    /// The newest schema version this build knows.
    public static var knownSchemaVersion: Int { KernelSchema.migrations.count }
}

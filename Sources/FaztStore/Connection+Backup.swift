import CFaztSystem
import CSQLite
import Foundation

extension Connection {
    /// Copies this connection's whole `main` database into a new file at `path` with SQLite's online
    /// backup API, as one consistent snapshot.
    ///
    /// This connection holds one read transaction for the whole copy, so the backup's steps all
    /// read that snapshot and never restart when the writer commits meanwhile (a stepped backup
    /// without it restarts at every commit and may never end). The copy goes in steps of 1 MB, at
    /// most `bytesPerSecond` (nil: as fast as it can): a paced copy keeps the kernel from piling up
    /// a whole database of dirty pages whose write-back would queue the writer's WAL syncs.
    ///
    /// In WAL mode the read transaction does not block the writer (it only holds back checkpoints).
    public func backup(into path: String, bytesPerSecond: Int? = nil) throws {
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
        // The copy's pages are handed to the disk as they are made (8 MB at a time, without waiting)
        // rather than left for the kernel to flush in one burst that would queue the WAL's syncs.
        let writeBack = open(path, O_WRONLY | O_CLOEXEC)
        defer { if writeBack >= 0 { close(writeBack) } }
        var startedWriteBack = 0
        try execute("BEGIN")
        defer { try? execute("COMMIT") }
        _ = try queryOne("SELECT count(*) FROM sqlite_master") { $0.int(0) }
        let pageSize = max(512, try queryOne("PRAGMA page_size") { $0.int(0) } ?? 4096)
        let pagesPerStep = Int32(max(1, (1 << 20) / pageSize))
        let started = DispatchTime.now().uptimeNanoseconds
        var copiedBytes = 0
        var stepped: Int32
        repeat {
            stepped = sqlite3_backup_step(backup, pagesPerStep)
            if stepped == SQLITE_BUSY || stepped == SQLITE_LOCKED {
                usleep(10_000)
                continue
            }
            copiedBytes += Int(pagesPerStep) * pageSize
            if writeBack >= 0, copiedBytes - startedWriteBack >= 8 << 20 {
                _ = fazt_start_writeback(writeBack, 0, 0)
                startedWriteBack = copiedBytes
            }
            if stepped == SQLITE_OK, let bytesPerSecond, bytesPerSecond > 0 {
                let due = UInt64(Double(copiedBytes) / Double(bytesPerSecond) * 1e9)
                let elapsed = DispatchTime.now().uptimeNanoseconds - started
                if due > elapsed { usleep(UInt32(min((due - elapsed) / 1000, 1_000_000))) }
            }
        } while stepped == SQLITE_OK || stepped == SQLITE_BUSY || stepped == SQLITE_LOCKED
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
    public func backup(into path: String, bytesPerSecond: Int? = nil) throws -> Int {
        let source = try Connection(path: self.path, readOnly: true)
        try source.execute("PRAGMA query_only=ON")
        try source.backup(into: path, bytesPerSecond: bytesPerSecond)
        let copy = try Connection(path: path, readOnly: true)
        return try copy.schemaVersion()
    }

    /// The newest schema version this build knows.
    public static var knownSchemaVersion: Int { KernelSchema.migrations.count }
}

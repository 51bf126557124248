import CFaztSystem
import CSQLite
import Foundation

extension Connection {
    /// Copies this connection's whole `main` database into a new file at `path` with SQLite's online
    /// backup API, as one consistent snapshot.
    ///
    /// This connection holds one read transaction for the whole copy, so the backup's steps all
    /// read that snapshot and never restart when the writer commits meanwhile (a stepped backup
    /// without it restarts at every commit and may never end). The copy goes in steps of 1 MB; before
    /// each, `bytesPerSecond()` says how fast to go (nil: as fast as it can), so a caller can slow the
    /// copy while the server is busy: its reads and write-back compete with the writer's WAL syncs.
    ///
    /// In WAL mode the read transaction does not block the writer (it only holds back checkpoints).
    public func backup(into path: String, bytesPerSecond: () -> Int? = { nil }) throws {
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
        // The copy's pages are handed to the disk as they are made, 1 MB at a time with at most two
        // such steps in flight, rather than left for the kernel to flush in bursts that the WAL's
        // syncs would queue behind.
        let writeBack = open(path, O_WRONLY | O_CLOEXEC)
        defer { if writeBack >= 0 { close(writeBack) } }
        var startedWriteBack = 0
        var waitedWriteBack = 0
        try execute("BEGIN")
        defer { try? execute("COMMIT") }
        _ = try queryOne("SELECT count(*) FROM sqlite_master") { $0.int(0) }
        let pageSize = max(512, try queryOne("PRAGMA page_size") { $0.int(0) } ?? 4096)
        let pagesPerStep = Int32(max(1, (1 << 20) / pageSize))
        var copiedBytes = 0
        var stepped: Int32
        repeat {
            let stepStarted = DispatchTime.now().uptimeNanoseconds
            stepped = sqlite3_backup_step(backup, pagesPerStep)
            if stepped == SQLITE_BUSY || stepped == SQLITE_LOCKED {
                usleep(10_000)
                continue
            }
            copiedBytes += Int(pagesPerStep) * pageSize
            if writeBack >= 0, copiedBytes - startedWriteBack >= 1 << 20 {
                if startedWriteBack > waitedWriteBack {
                    _ = fazt_wait_writeback(
                        writeBack,
                        Int64(waitedWriteBack),
                        Int64(startedWriteBack - waitedWriteBack)
                    )
                    waitedWriteBack = startedWriteBack
                }
                _ = fazt_start_writeback(writeBack, Int64(startedWriteBack), Int64(copiedBytes - startedWriteBack))
                startedWriteBack = copiedBytes
            }
            if stepped == SQLITE_OK, let rate = bytesPerSecond(), rate > 0 {
                Pacing.wait(bytes: Int(pagesPerStep) * pageSize, bytesPerSecond: rate, since: stepStarted)
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
    ///
    /// The copy runs at `bytesPerSecond` while the writer is committing and as fast as it can while
    /// it is not (`isBusy` decides between steps).
    public func backup(into path: String, bytesPerSecond: Int? = nil) throws -> Int {
        let source = try Connection(path: self.path, readOnly: true)
        try source.execute("PRAGMA query_only=ON")
        let activity = WriterActivity(store: self)
        try source.backup(into: path, bytesPerSecond: { activity.isBusy() ? bytesPerSecond : nil })
        let copy = try Connection(path: path, readOnly: true)
        return try copy.schemaVersion()
    }

    /// The newest schema version this build knows.
    public static var knownSchemaVersion: Int { KernelSchema.migrations.count }
}

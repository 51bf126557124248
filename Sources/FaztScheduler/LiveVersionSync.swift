import FaztStorage
import FaztStore

/// Keeps an app's cron jobs (`"schedules"`) and manifest subscriptions (`"events"`) in step with
/// its live version, inside the transaction that changes it (deploy, rollback).
public enum LiveVersionSync {
    /// The hook for `VFS`; `invalid` turns a bad manifest entry into the caller's error type.
    public static func hook(
        clock: @escaping @Sendable () -> Int64 = StorageExecutor.wallClock,
        defaultTimeoutMs timeout: Int,
        invalid: @escaping @Sendable (String) -> Error
    ) -> @Sendable (Connection, String, Int, String?) throws -> Void {
        { connection, app, version, manifest in
            let now = clock()
            let fileExists = { (path: String) throws -> Bool in
                try connection.queryOne(
                    "SELECT 1 FROM files WHERE app = ? AND version = ? AND path = ?",
                    [.text(app), .integer(Int64(version)), .text(path)]
                ) { _ in true } ?? false
            }
            let entries: [CronRegistry.Entry]
            do {
                entries = try CronRegistry.entries(manifest: manifest, fileExists: fileExists)
            } catch let error as CronError {
                throw invalid(error.message)
            }
            try CronRegistry.sync(connection, app: app, entries: entries, now: now, defaultTimeoutMs: timeout)
            do {
                try EventBus.syncManifest(connection, app: app, manifest: manifest, now: now, fileExists: fileExists)
            } catch let error as EventError {
                throw invalid(error.message)
            }
        }
    }
}

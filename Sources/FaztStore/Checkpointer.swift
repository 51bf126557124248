import CSQLite
import Foundation

/// Copies the WAL back into `data.db` on a connection and thread of its own, so that a commit never
/// pays for a checkpoint.
///
/// SQLite's default runs a checkpoint inside the `COMMIT` that takes the WAL past 1,000 frames: that
/// commit (and every caller grouped into it) waits while pages are copied and the database file is
/// synced. Here the writer's WAL hook only signals this thread, which runs a PASSIVE checkpoint: it
/// copies what no reader still needs, never blocks the writer, and lets the writer start the WAL over
/// once everything is copied. A long reader (a backup's snapshot) holds checkpoints back as before;
/// once it ends, the catching-up happens here, not in a commit.
final class Checkpointer: @unchecked Sendable {
    // Safe: `requested`, `stopped`, `ended` and `runs` are guarded by `condition`; the checkpoint
    // connection is the thread's own.
    private let condition = NSCondition()
    private var requested = false
    private var stopped = false
    private var ended = false
    private var runs = 0
    private let path: String

    /// WAL frames after which a checkpoint is started (SQLite's default autocheckpoint size).
    static let thresholdFrames: Int32 = 1000

    init(path: String) {
        self.path = path
        let thread = Thread { self.loop() }
        thread.name = "fazt-checkpoint"
        thread.start()
    }

    /// Makes `connection` (the writer's) signal this checkpointer after each commit instead of
    /// checkpointing inside the commit.
    func attach(to connection: Connection) {
        sqlite3_wal_hook(
            connection.handle,
            { context, _, _, frames in
                if let context, frames >= Checkpointer.thresholdFrames {
                    Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().request()
                }
                return SQLITE_OK
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    /// Asks for a checkpoint soon (cheap; called on the writer thread after a commit).
    func request() {
        condition.lock()
        if !requested {
            requested = true
            condition.signal()
        }
        condition.unlock()
    }

    /// Ends the thread after the checkpoint in progress, if any; waits for it.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !ended { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        // Reading the journal mode makes the fresh connection open the database and see the WAL
        // (a checkpoint on a connection that never read anything reports "not in WAL mode").
        let connection = try? Connection(path: path, readOnly: false)
        _ = try? connection?.execute("PRAGMA journal_mode")
        while true {
            condition.lock()
            while !requested && !stopped { condition.wait() }
            if stopped {
                ended = true
                condition.broadcast()
                condition.unlock()
                return
            }
            requested = false
            condition.unlock()
            guard let connection else { continue }
            var logFrames: Int32 = 0
            var copied: Int32 = 0
            _ = sqlite3_wal_checkpoint_v2(connection.handle, "main", SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied)
            condition.lock()
            runs += 1
            condition.unlock()
        }
    }

    /// Checkpoints completed so far.
    var completedRuns: Int {
        condition.lock()
        defer { condition.unlock() }
        return runs
    }
}

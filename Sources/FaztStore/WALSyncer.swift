import Foundation
import Glibc

/// Makes commits durable off the writer thread: one `fdatasync` of the WAL covers every commit
/// made before it started, and callbacks waiting on those commits run after it returns.
///
/// The writer connection runs with `synchronous=NORMAL`, so `COMMIT` only writes the WAL (a few
/// microseconds) and the writer can apply the next group while this thread waits for the disk.
/// Nothing is acknowledged before its WAL frames are synced, so the guarantee is that of
/// `synchronous=FULL`; checkpoints still sync the WAL and the database file themselves.
final class WALSyncer: @unchecked Sendable {
    // Safe: every field but `walPath`/`syncs` is guarded by `condition`; `descriptor` is touched only
    // by the syncer thread.
    private let condition = NSCondition()
    private var committed: UInt64 = 0
    private var synced: UInt64 = 0
    private var waiters = WaiterList()
    private var stopped = false
    private var finished = false
    private let walPath: String
    private let syncs: Bool
    private var descriptor: Int32 = -1
    /// When the latest sync started (syncer thread only).
    private var lastSyncStart: UInt64 = 0
    /// Least time between the starts of two syncs.
    static let window: UInt64 = 1_000_000

    init(databasePath: String, syncs: Bool) {
        self.walPath = databasePath + "-wal"
        self.syncs = syncs
        let thread = Thread { self.loop() }
        thread.name = "fazt-wal-sync"
        thread.start()
    }

    /// The sequence number of the latest commit (writer thread: after each `COMMIT`).
    func didCommit() -> UInt64 {
        condition.lock()
        committed += 1
        let seq = committed
        condition.signal()
        condition.unlock()
        return seq
    }

    /// Runs `body` once commit `seq` is on disk (at once when it already is).
    func whenDurable(_ seq: UInt64, _ body: @escaping () -> Void) {
        condition.lock()
        if seq <= synced || finished {
            condition.unlock()
            body()
            return
        }
        waiters.add(through: seq, body)
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` once everything committed so far is on disk.
    func whenAllDurable(_ body: @escaping () -> Void) {
        condition.lock()
        let seq = committed
        condition.unlock()
        whenDurable(seq, body)
    }

    /// Latest commit sequence number.
    var latest: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return committed
    }

    /// Syncs what is pending, runs the remaining callbacks and stops the thread.
    ///
    /// Called on the syncer thread itself (from a callback), it only asks the thread to finish.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        if loopThread.isCurrent {
            condition.unlock()
            return
        }
        while !finished { condition.wait() }
        condition.unlock()
    }

    private var loopThread = LoopThread()

    private func loop() {
        condition.lock()
        loopThread.enter()
        condition.unlock()
        while true {
            condition.lock()
            while committed == synced && !stopped { condition.wait() }
            let target = committed
            let stopping = stopped && committed == synced
            condition.unlock()
            if stopping { break }
            // Group commit across syncs: starting syncs back to back would spend a disk flush on
            // every commit or two; waiting out a short window lets each sync cover many more.
            let since = DispatchTime.now().uptimeNanoseconds - lastSyncStart
            if since < Self.window { usleep(UInt32((Self.window - since) / 1000)) }
            condition.lock()
            let covered = committed
            condition.unlock()
            lastSyncStart = DispatchTime.now().uptimeNanoseconds
            sync()
            condition.lock()
            synced = max(target, covered)
            // Everything up to `synced`, not just `target`: a waiter for a commit the sync covered
            // would otherwise wait for the next commit (forever on an idle server).
            let ready = waiters.take(upTo: synced)
            condition.unlock()
            for body in ready { body() }
        }
        condition.lock()
        finished = true
        let rest = waiters.takeAll()
        condition.broadcast()
        condition.unlock()
        for body in rest { body() }
        if descriptor >= 0 { close(descriptor) }
    }

    private func sync() {
        guard syncs else { return }
        if descriptor < 0 { descriptor = open(walPath, O_RDONLY | O_CLOEXEC) }
        // No WAL yet means nothing was committed through it.
        guard descriptor >= 0 else { return }
        while fdatasync(descriptor) != 0 && errno == EINTR {}
    }
}

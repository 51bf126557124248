import Foundation

/// Whether the store's writer committed in the last 200 ms (a busy server): background
/// work such as a backup slows down then and goes full speed while the writer is idle.
public final class WriterActivity: @unchecked Sendable {
    // Safe: used by one thread at a time (the backup's).
    private let store: Store
    private var lastCount: Int
    private var lastBusyAt: UInt64 = 0

    public init(store: Store) {
        self.store = store
        lastCount = store.commitStats.count
    }

    /// True when a commit happened in the last 200 ms.
    public func isBusy() -> Bool {
        let count = store.commitStats.count
        let now = DispatchTime.now().uptimeNanoseconds
        if count != lastCount {
            lastCount = count
            lastBusyAt = now
        }
        return lastBusyAt > 0 && now - lastBusyAt < 200_000_000
    }
}

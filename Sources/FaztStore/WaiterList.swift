/// Callbacks waiting for a counter (commits synced, writes applied) to reach a number; the owner
/// takes the ready ones under its lock and runs them after unlocking.
public struct WaiterList {
    private var waiters: [(through: UInt64, run: () -> Void)] = []

    public init() {}

    /// Adds `run`, to fire once the counter reaches `through`.
    public mutating func add(through: UInt64, _ run: @escaping () -> Void) {
        waiters.append((through, run))
    }

    /// Removes and returns the callbacks waiting for `progress` or less, in the order added.
    public mutating func take(upTo progress: UInt64) -> [() -> Void] {
        var ready: [() -> Void] = []
        waiters.removeAll { waiter in
            guard waiter.through <= progress else { return false }
            ready.append(waiter.run)
            return true
        }
        return ready
    }

    /// Removes and returns every callback.
    public mutating func takeAll() -> [() -> Void] {
        defer { waiters.removeAll() }
        return waiters.map(\.run)
    }
}

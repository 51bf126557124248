import Synchronization

/// Counts open connections per client address and refuses more than the limit.
final class ConnectionLimiter: Sendable {
    private let counts = Mutex([String: Int]())
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a slot for `address`; false when it already has `limit` connections.
    func acquire(_ address: String) -> Bool {
        counts.withLock { counts in
            let current = counts[address, default: 0]
            guard current < limit else { return false }
            counts[address] = current + 1
            return true
        }
    }

    func release(_ address: String) {
        counts.withLock { counts in
            let remaining = counts[address, default: 1] - 1
            counts[address] = remaining > 0 ? remaining : nil
        }
    }

    /// Open connections over all addresses.
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}

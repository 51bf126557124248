import Foundation

/// A fixed number of read-only connections, opened lazily and lent out one caller at a time.
final class ReaderPool: @unchecked Sendable {
    // Safe: `idle`, `opened` and `closed` are guarded by `condition`; a lent connection is used by
    // exactly one thread until it is returned.
    private let condition = NSCondition()
    private var idle: [Connection] = []
    private var opened = 0
    private var closed = false
    private let path: String
    private let size: Int

    private let cacheKilobytes: Int

    init(path: String, size: Int, cacheKilobytes: Int) {
        self.path = path
        self.size = max(1, size)
        self.cacheKilobytes = cacheKilobytes
    }

    func with<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try checkout()
        defer { checkin(connection) }
        return try body(connection)
    }

    private func checkout() throws -> Connection {
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw StoreError(code: .closed, message: "the store is closed")
            }
            if let connection = idle.popLast() {
                condition.unlock()
                return connection
            }
            if opened < size {
                opened += 1
                condition.unlock()
                do {
                    let connection = try Connection(path: path, readOnly: true)
                    try connection.execute("PRAGMA query_only=ON")
                    try connection.execute("PRAGMA cache_size=-\(cacheKilobytes)")
                    return connection
                } catch {
                    condition.lock()
                    opened -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            condition.wait()
        }
    }

    private func checkin(_ connection: Connection) {
        condition.lock()
        if closed {
            opened -= 1
        } else {
            idle.append(connection)
        }
        condition.signal()
        condition.unlock()
    }

    /// Frees the page cache of every idle connection.
    func releaseMemory() {
        condition.lock()
        let connections = idle
        idle.removeAll()
        condition.unlock()
        for connection in connections { connection.releaseMemory() }
        condition.lock()
        if closed {
            opened -= connections.count
        } else {
            idle.append(contentsOf: connections)
        }
        condition.broadcast()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

import FaztVFS
import Glibc
import Synchronization

/// Recently verified owner credentials, so requests to owner-only apps (static hits above all)
/// skip the database for a few seconds after one verification.
///
/// Keys are SHA-256 hashes of the credential (and, for sessions, the app): the secrets themselves
/// are not kept. A revoked token or deleted session is honoured for at most `ttlMs` longer.
final class OwnerAccessCache: Sendable {
    /// How long a verification is trusted, in milliseconds.
    let ttlMs: UInt64
    /// Most entries kept; past it, expired ones are dropped, then all.
    let capacity: Int
    private let now: @Sendable () -> UInt64
    private let entries = Mutex([ContentHash: UInt64]())

    /// `now` is a monotonic clock in milliseconds (injectable for tests).
    init(
        ttlMs: UInt64 = 10_000,
        capacity: Int = 1024,
        now: @escaping @Sendable () -> UInt64 = OwnerAccessCache.uptimeMs
    ) {
        self.ttlMs = ttlMs
        self.capacity = capacity
        self.now = now
    }

    /// True when `key` was verified less than `ttlMs` ago.
    func contains(_ key: ContentHash) -> Bool {
        let time = now()
        return entries.withLock { entries in
            guard let expiry = entries[key] else { return false }
            if expiry > time { return true }
            entries[key] = nil
            return false
        }
    }

    /// Remembers a successful verification of `key`.
    func insert(_ key: ContentHash) {
        let time = now()
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value > time }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = time + ttlMs
        }
    }

    /// Forgets every verification (a token was revoked).
    func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    /// Milliseconds of `CLOCK_MONOTONIC`.
    @Sendable static func uptimeMs() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}

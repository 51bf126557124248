import Dispatch
import Synchronization

/// Token buckets keyed by name (an app, an app and a client address): each key may spend
/// `perMinute` requests a minute, with bursts up to that many.
///
/// Idle keys are dropped once their bucket is full again, so memory follows the active keys.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var at: UInt64
    }

    private let buckets = Mutex([String: Bucket]())
    let perMinute: Int
    private let clock: @Sendable () -> UInt64

    init(perMinute: Int, clock: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.perMinute = max(1, perMinute)
        self.clock = clock
    }

    /// Takes one token for `key`; nil when allowed, else the seconds until one is available.
    func take(_ key: String) -> Int? {
        let now = clock()
        let capacity = Double(perMinute)
        let perNanosecond = capacity / 60e9
        return buckets.withLock { buckets in
            if buckets.count > 10_000 { Self.prune(&buckets, now: now, capacity: capacity, rate: perNanosecond) }
            var bucket = buckets[key] ?? Bucket(tokens: capacity, at: now)
            bucket.tokens = min(capacity, bucket.tokens + Double(now &- bucket.at) * perNanosecond)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return max(1, Int(((1 - bucket.tokens) / perNanosecond / 1e9).rounded(.up)))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }

    private static func prune(_ buckets: inout [String: Bucket], now: UInt64, capacity: Double, rate: Double) {
        buckets = buckets.filter { $0.value.tokens + Double(now &- $0.value.at) * rate < capacity }
    }
}

import FaztJSON
import Foundation
import NIOCore
import Synchronization

/// How long the daemon holds a streamed token.
///
/// From the moment libcurl hands over a piece of the provider's answer to the moment the
/// server-sent event made from it is written to the caller's socket (the write's future). `GET /_fazt/api/v1/ai/latency` reads it; `DELETE` starts it over.
///
/// Buckets: 1 µs wide below 1 ms, 100 µs wide below 100 ms, then one bucket for anything longer
/// (16 KB in all, one lock per sample: cheap enough to stay on).
final class AILatencyHistogram: Sendable {
    private static let fineBuckets = 1000
    private static let coarseBuckets = 990
    private let counts = Mutex<[Int]>(Array(repeating: 0, count: fineBuckets + coarseBuckets + 1))

    func record(since arrival: NIODeadline) {
        let micros = max(0, (NIODeadline.now() - arrival).nanoseconds / 1000)
        let fine = Int64(Self.fineBuckets)
        let coarse = Self.fineBuckets + Int((micros - fine) / 100)
        let index = micros < fine ? Int(micros) : min(coarse, Self.fineBuckets + Self.coarseBuckets)
        counts.withLock { $0[index] += 1 }
    }

    func reset() {
        counts.withLock { counts in
            for index in counts.indices { counts[index] = 0 }
        }
    }

    /// The lower bound of bucket `index` in ms.
    private static func milliseconds(_ index: Int) -> Double {
        index < fineBuckets ? Double(index) / 1000 : Double(fineBuckets + (index - fineBuckets) * 100) / 1000
    }

    /// `{"samples","p50Ms","p90Ms","p99Ms","maxMs"}` (lower bucket bounds; null without samples).
    var json: String {
        let snapshot = counts.withLock { $0 }
        let total = snapshot.reduce(0, +)
        func percentile(_ fraction: Double) -> JSONValue {
            guard total > 0 else { return .null }
            let rank = max(1, Int((Double(total) * fraction).rounded(.up)))
            var seen = 0
            for (index, count) in snapshot.enumerated() {
                seen += count
                if seen >= rank { return .number(Self.milliseconds(index)) }
            }
            return .null
        }
        let maximum = snapshot.lastIndex { $0 > 0 }.map { JSONValue.number(Self.milliseconds($0)) } ?? .null
        return JSONValue.object([
            ("samples", .number(Double(total))), ("p50Ms", percentile(0.5)), ("p90Ms", percentile(0.9)),
            ("p99Ms", percentile(0.99)), ("maxMs", maximum),
        ]).text
    }
}

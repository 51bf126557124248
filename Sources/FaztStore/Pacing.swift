import Foundation

/// Sleeps off the rest of a step's time budget.
public enum Pacing {
    /// After a step of `bytes` that started at `since` (uptime ns), sleeps until it has taken
    /// `bytes / bytesPerSecond` (at most 1 s).
    public static func wait(bytes: Int, bytesPerSecond: Int, since: UInt64) {
        let budget = UInt64(Double(bytes) / Double(bytesPerSecond) * 1e9)
        let spent = DispatchTime.now().uptimeNanoseconds - since
        if budget > spent { usleep(UInt32(min((budget - spent) / 1000, 1_000_000))) }
    }
}

import Foundation
import Synchronization

/// Limits dashboard sign-in attempts: per client address (failures in a window) and for the one
/// owner account (checks per minute from everywhere), so guessing stays slow and a flood of
/// attempts cannot keep the scrypt checks busy.
final class SignInLimiter: Sendable {
    struct Limits: Sendable {
        /// Failed attempts one address may make in `window` seconds.
        var failuresPerAddress = 10
        var windowSeconds: Double = 900
        /// Checks (any outcome) the account takes per minute from all addresses.
        var checksPerMinute = 60
    }

    private struct State {
        var failures: [String: [Double]] = [:]
        var checks: [Double] = []
    }

    let limits: Limits
    private let state = Mutex(State())
    private let clock: @Sendable () -> Double

    init(limits: Limits = Limits(), clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.limits = limits
        self.clock = clock
    }

    /// Nil when `address` may try now (the attempt is counted), else the seconds to wait.
    func admit(_ address: String) -> Int? {
        let now = clock()
        return state.withLock { state in
            let recent = (state.failures[address] ?? []).filter { now - $0 < limits.windowSeconds }
            state.failures[address] = recent.isEmpty ? nil : recent
            if recent.count >= limits.failuresPerAddress, let oldest = recent.first {
                return max(1, Int((limits.windowSeconds - (now - oldest)).rounded(.up)))
            }
            state.checks = state.checks.filter { now - $0 < 60 }
            if state.checks.count >= limits.checksPerMinute, let oldest = state.checks.first {
                return max(1, Int((60 - (now - oldest)).rounded(.up)))
            }
            state.checks.append(now)
            // Bounded memory: drop the oldest addresses past 10,000.
            if state.failures.count > 10_000 {
                for key in state.failures.keys.prefix(state.failures.count - 10_000) { state.failures[key] = nil }
            }
            return nil
        }
    }

    /// Records a failed attempt from `address`.
    func failed(_ address: String) {
        let now = clock()
        state.withLock { $0.failures[address, default: []].append(now) }
    }

    /// A success from `address` forgets its failures.
    func succeeded(_ address: String) {
        state.withLock { $0.failures[address] = nil }
    }
}

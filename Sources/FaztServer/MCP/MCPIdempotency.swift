import FaztStorage
import Synchronization

/// Answers of `deploy` calls by idempotency key, so a retried deploy answers what the first did
/// instead of moving the live pointer again (kept in memory, per daemon run; the oldest go first).
final class MCPIdempotency: Sendable {
    private let answers = Mutex<(order: [String], values: [String: JSONValue])>(([], [:]))
    static let keep = 1000

    func answer(for key: String) -> JSONValue? {
        answers.withLock { $0.values[key] }
    }

    func remember(_ value: JSONValue, for key: String) {
        answers.withLock { state in
            if state.values.updateValue(value, forKey: key) == nil { state.order.append(key) }
            if state.order.count > Self.keep {
                state.values[state.order.removeFirst()] = nil
            }
        }
    }
}

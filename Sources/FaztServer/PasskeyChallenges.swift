import FaztKernel
import Foundation
import Synchronization

/// WebAuthn challenges handed out and not yet used: each is random, valid for 5 minutes, and used
/// at most once (a replayed answer finds no challenge).
final class PasskeyChallenges: Sendable {
    enum Purpose: Sendable, Equatable {
        /// Adding a passkey, by the signed-in session with this id.
        case register(session: String)
        case signIn
    }

    static let lifetimeSeconds: Double = 300
    /// Bounded: past this many outstanding challenges the oldest are forgotten.
    static let maximum = 1_000

    private let pending = Mutex<[String: (Purpose, Double)]>([:])

    /// A new challenge for `purpose` (32 random bytes).
    func issue(_ purpose: Purpose) throws -> [UInt8] {
        let challenge = Array(Tokens.randomHex(bytes: 32).utf8.prefix(32))
        let key = Data(challenge).base64EncodedString()
        let now = Date().timeIntervalSince1970
        pending.withLock { pending in
            pending = pending.filter { now - $0.value.1 < Self.lifetimeSeconds }
            if pending.count >= Self.maximum {
                for old in pending.sorted(by: { $0.value.1 < $1.value.1 }).prefix(pending.count - Self.maximum + 1) {
                    pending[old.key] = nil
                }
            }
            pending[key] = (purpose, now)
        }
        return challenge
    }

    /// Takes the challenge the client data names, if it was issued for `purpose` and is fresh.
    func take(clientDataJSON: [UInt8], for purpose: Purpose) -> [UInt8]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(clientDataJSON)) as? [String: Any],
            let text = object["challenge"] as? String,
            let challenge = Self.base64url(text)
        else { return nil }
        let key = Data(challenge).base64EncodedString()
        let now = Date().timeIntervalSince1970
        return pending.withLock { pending in
            guard let (issued, at) = pending[key] else { return nil }
            pending[key] = nil
            return issued == purpose && now - at < Self.lifetimeSeconds ? challenge : nil
        }
    }

    static func base64url(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.hasSuffix("=") { standard.removeLast() }
        guard standard.utf8.count % 4 != 1 else { return nil }
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        return Data(base64Encoded: standard).map { Array($0) }
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

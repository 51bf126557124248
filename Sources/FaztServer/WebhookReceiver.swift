import FaztKernel
import FaztScheduler
import FaztStorage
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// Receives inbound webhooks.
///
/// `POST /_hooks/<name>` on an app's host stores the event
/// `app:<app>.webhook.<name>` (`{method, body, headers, query}`) and answers 202 once it is durable.
/// A webhook listed in the manifest must carry a valid signature made with the owner's secret.
enum WebhookReceiver {
    static let maxBodyBytes = 1 << 20
    static let prefix = "/_hooks/"
    /// How old a Stripe signature timestamp may be.
    static let stripeTolerance: Int64 = 300

    static func isHookPath(_ path: String) -> Bool { path.hasPrefix(prefix) }

    /// The hook name in the path, nil when it is not a valid name.
    static func name(_ path: String) -> String? {
        let name = String(path.dropFirst(prefix.count))
        return Manifest.isWebhookName(name) ? name : nil
    }

    /// nil when the signature is valid, else why not.
    static func verify(kind: String, secret: [UInt8], body: [UInt8], headers: HTTPHeaders, now: Int64) -> String? {
        func expected(_ message: [UInt8]) -> [UInt8] { SecretBox.hmacSHA256(key: secret, message: message) }
        func matches(_ hex: Substring, _ message: [UInt8]) -> Bool {
            guard let given = SecretBox.bytes(hex: String(hex)) else { return false }
            return SecretBox.constantTimeEqual(given, expected(message))
        }
        switch kind {
        case "github":
            guard let header = headers.first(name: "X-Hub-Signature-256") else {
                return "the X-Hub-Signature-256 header is missing"
            }
            guard header.hasPrefix("sha256="), matches(header.dropFirst(7), body) else {
                return "the signature does not match"
            }
            return nil
        case "stripe":
            guard let header = headers.first(name: "Stripe-Signature") else {
                return "the Stripe-Signature header is missing"
            }
            var timestamp: Substring?
            var signatures: [Substring] = []
            for part in header.split(separator: ",") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                if pair[0] == "t" { timestamp = pair[1] } else if pair[0] == "v1" { signatures.append(pair[1]) }
            }
            guard let timestamp, let seconds = Int64(timestamp) else {
                return "the Stripe-Signature header has no timestamp"
            }
            guard abs(now / 1000 - seconds) <= stripeTolerance else { return "the Stripe signature is too old" }
            let message = Array("\(timestamp).".utf8) + body
            guard signatures.contains(where: { matches($0, message) }) else { return "the signature does not match" }
            return nil
        default:
            guard let header = headers.first(name: "X-Signature") ?? headers.first(name: "X-Signature-256") else {
                return "the X-Signature header is missing"
            }
            let hex = header.hasPrefix("sha256=") ? header.dropFirst(7) : Substring(header)
            return matches(hex, body) ? nil : "the signature does not match"
        }
    }

    /// The event data: `{method, body, headers, query}`; a JSON body is parsed, any other is text.
    static func eventData(head: HTTPRequestHead, body: [UInt8], query: String?) -> String {
        let text = String(decoding: body, as: UTF8.self)
        let parsed = (try? JSONValue.parse(text)) ?? .string(text)
        var headers: [(String, JSONValue)] = []
        for (name, value) in head.headers {
            let key = name.lowercased()
            if let index = headers.firstIndex(where: { $0.0 == key }), case .string(let earlier) = headers[index].1 {
                headers[index].1 = .string(earlier + ", " + value)
            } else {
                headers.append((key, .string(value)))
            }
        }
        var pairs: [(String, JSONValue)] = []
        for part in (query ?? "").split(separator: "&") where !part.isEmpty {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            pairs.append((decode(pair[0]), .string(pair.count > 1 ? decode(pair[1]) : "")))
        }
        return JSONValue.object([
            ("method", .string(head.method.rawValue)), ("body", parsed), ("headers", .object(headers)),
            ("query", .object(pairs)),
        ]).text
    }
}

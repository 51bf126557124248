import Foundation

/// Replaces secret values in what an outbound request brought back (body, header values, final
/// URL) before JavaScript sees it, so a service that echoes a key cannot hand it to the app.
///
/// Each value is looked for as is, percent-encoded, JSON-escaped and in base64.
public struct Redactor: Sendable {
    /// What stands where a secret was.
    public static let mark = Array("[REDACTED]".utf8)
    private var needles: [[UInt8]] = []

    public init() {}

    /// Whether there is nothing to redact.
    public var isEmpty: Bool { needles.isEmpty }

    /// Adds `secret` (and its encodings) to what is redacted; values under 4 bytes are too short to
    /// look for safely and are skipped.
    public mutating func add(_ secret: [UInt8]) {
        guard secret.count >= 4 else { return }
        var forms = [secret, SecretPlaceholders.percentEncoded(secret), Array(Data(secret).base64EncodedString().utf8)]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        if let json = try? encoder.encode(String(decoding: secret, as: UTF8.self)) {
            let escaped = Array(json.dropFirst().dropLast())
            forms.append(escaped)
            // Some encoders also write "/" as "\/".
            let slash = String(decoding: escaped, as: UTF8.self).replacingOccurrences(of: "/", with: "\\/")
            forms.append(Array(slash.utf8))
        }
        for form in forms where !needles.contains(form) { needles.append(form) }
        // Longest first, so a form that contains another is replaced whole.
        needles.sort { $0.count > $1.count }
    }

    /// `bytes` with every secret form replaced by `[REDACTED]`.
    public func redact(_ bytes: [UInt8]) -> [UInt8] {
        var current = bytes
        for needle in needles { current = Self.replace(needle, in: current) }
        return current
    }

    /// `text` with every secret form replaced by `[REDACTED]`.
    public func redact(_ text: String) -> String {
        guard !needles.isEmpty else { return text }
        return String(decoding: redact(Array(text.utf8)), as: UTF8.self)
    }

    private static func replace(_ needle: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { haystack -> [UInt8] in
            needle.withUnsafeBytes { pattern -> [UInt8] in
                var out: [UInt8] = []
                var position = 0
                var replaced = false
                while let offset = ByteSearch.find(pattern, in: haystack, from: position) {
                    if !replaced {
                        out.reserveCapacity(haystack.count)
                        replaced = true
                    }
                    out.append(contentsOf: haystack[position..<offset])
                    out.append(contentsOf: mark)
                    position = offset + pattern.count
                }
                guard replaced else { return bytes }
                out.append(contentsOf: haystack[position...])
                return out
            }
        }
    }
}

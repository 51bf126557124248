import FaztGit
import Foundation

/// How signatures and MACs are spelled as text: hex, base64 or base64url (RFC 4648).
enum ByteEncoding: String, CaseIterable {
    case hex, base64, base64url

    /// `bytes` in this encoding (lower-case hex; base64 padded; base64url unpadded, as JWS has it).
    func encode(_ bytes: [UInt8]) -> String {
        switch self {
        case .hex:
            return Hex.encode(bytes)
        case .base64:
            return Data(bytes).base64EncodedString()
        case .base64url:
            return Self.urlSafe(Data(bytes).base64EncodedString())
        }
    }

    /// The bytes `text` spells in this encoding, nil when it does not.
    ///
    /// Base64 of either alphabet is read by both base64 encodings, with or without padding.
    func decode(_ text: String) -> [UInt8]? {
        switch self {
        case .hex:
            return SecretBox.bytes(hex: text)
        case .base64, .base64url:
            var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while standard.hasSuffix("=") { standard.removeLast() }
            guard standard.utf8.count % 4 != 1 else { return nil }
            standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
            return Data(base64Encoded: standard).map { Array($0) }
        }
    }

    /// The bytes of a signature of `length` bytes in whichever encoding spells it: hex when it is
    /// exactly that many hex digits, else base64 or base64url.
    static func decodeSignature(_ text: String, length: Int?) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let length, trimmed.utf8.count == length * 2, let bytes = hex.decode(trimmed) { return bytes }
        if length == nil, trimmed.utf8.count % 2 == 0, let bytes = hex.decode(trimmed), !bytes.isEmpty {
            return bytes
        }
        return base64.decode(trimmed)
    }

    /// Base64 text in the URL-safe alphabet without padding.
    static func urlSafe(_ base64: String) -> String {
        var out = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while out.hasSuffix("=") { out.removeLast() }
        return out
    }
}

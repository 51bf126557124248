import FaztVFS
import Foundation

/// PKCE (RFC 7636) and the random values of an authorization request.
public enum OAuthPKCE {
    /// A fresh code verifier: 32 random bytes as base64url (43 characters, within RFC 7636's 43-128).
    public static func verifier() -> String { randomToken(bytes: 32) }

    /// The S256 challenge of `verifier`: base64url(SHA-256(ASCII(verifier))), without padding.
    public static func challenge(of verifier: String) -> String {
        base64URL(ContentHash(of: Array(verifier.utf8)).bytes)
    }

    /// `count` random bytes from the system CSPRNG as base64url (states, verifiers).
    public static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Base64url without padding (RFC 4648 §5).
    public static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}

/// `application/x-www-form-urlencoded` bodies and queries, as OAuth endpoints use them.
public enum FormEncoding {
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    /// `pairs` as `a=1&b=2`, every value percent-encoded.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// One value percent-encoded (everything but RFC 3986's unreserved characters).
    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// The pairs of `a=1&b=2` (`+` as space), in order; malformed escapes stay as they are.
    public static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func unescape(_ piece: Substring) -> String {
                let spaced = piece.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (unescape(pieces[0]), pieces.count > 1 ? unescape(pieces[1]) : "")
        }
    }
}

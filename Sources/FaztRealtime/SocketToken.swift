import CCrypto
import FaztJSON
import FaztVFS

/// A connection token: the app's server code (`fazt.socket.token`) vouches that a socket may act as
/// `user` and subscribe to `auth: "token"` channels matching `channels`, until `expiresAtMs`.
///
/// Text form: `v1.<payload>.<signature>`, where the payload is base64url (no padding) of compact JSON
/// `{"app","user","channels","exp"}` and the signature is base64url of HMAC-SHA256 over everything
/// before the last dot, keyed with `appKey(master:app:)`. A key per app means one app's tokens can
/// never open another app's channels.
public struct SocketToken: Sendable, Equatable {
    /// Longest token text accepted, in bytes.
    public static let maxTextBytes = 4096
    /// Most channel patterns one token may name.
    public static let maxChannels = 100
    /// Longest user id, in bytes.
    public static let maxUserBytes = 256

    public var app: String
    /// The user the socket acts as (its presence identity); nil for an anonymous socket.
    public var user: String?
    /// Channel patterns (`ChannelPattern` text) the socket may subscribe to; `[]` none, `["*"]` all.
    public var channels: [String]
    /// The end of validity, in ms since 1970.
    public var expiresAtMs: Int64

    public init(app: String, user: String?, channels: [String], expiresAtMs: Int64) {
        self.app = app
        self.user = user
        self.channels = channels
        self.expiresAtMs = expiresAtMs
    }

    /// Whether one of the token's patterns covers `channel`.
    public func allows(channel: String) -> Bool {
        channels.contains { ChannelPattern($0)?.matches(channel) ?? false }
    }

    /// The key that signs `app`'s tokens: HMAC-SHA256(master, "fazt-socket-token:" + app).
    public static func appKey(master: [UInt8], app: String) -> [UInt8] {
        hmacSHA256(key: master, message: Array("fazt-socket-token:\(app)".utf8))
    }

    /// The token as text, signed with `key` (from `appKey`).
    public func signed(key: [UInt8]) -> String {
        let payload = JSONValue.object([
            ("app", .string(app)),
            ("user", user.map(JSONValue.string) ?? .null),
            ("channels", .array(channels.map(JSONValue.string))),
            ("exp", .number(Double(expiresAtMs))),
        ])
        let unsigned = "v1." + Base64URL.encode(Array(payload.text.utf8))
        return unsigned + "." + Base64URL.encode(Self.hmacSHA256(key: key, message: Array(unsigned.utf8)))
    }

    /// The token `text` stands for, if `key` signed it, it names `app` and it is valid at `now` (ms).
    public static func verify(
        _ text: String,
        key: [UInt8],
        app: String,
        now: Int64
    ) throws(SocketTokenError) -> SocketToken {
        guard text.utf8.count <= maxTextBytes else {
            throw SocketTokenError(.malformed, "is longer than \(maxTextBytes) bytes")
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1" else {
            throw SocketTokenError(.malformed, "is not of the form v1.<payload>.<signature>")
        }
        let unsigned = text.utf8.prefix(text.utf8.count - parts[2].utf8.count - 1)
        let expected = hmacSHA256(key: key, message: Array(unsigned))
        guard let signature = Base64URL.decode(parts[2]), signature.count == expected.count,
            CRYPTO_memcmp(signature, expected, expected.count) == 0
        else {
            throw SocketTokenError(
                .badSignature,
                "has a signature that does not match (it was altered, or signed for another app or server)"
            )
        }
        let token = try decodePayload(parts[1])
        guard token.app == app else {
            throw SocketTokenError(
                .wrongApp,
                "was issued for app \"\(token.app)\", not \"\(app)\"; ask this app for its own token (fazt.socket.token)"
            )
        }
        guard now < token.expiresAtMs else {
            throw SocketTokenError(
                .expired,
                "expired \((now - token.expiresAtMs) / 1000) s ago; ask the app for a new one (fazt.socket.token)"
            )
        }
        return token
    }

    private static func decodePayload(_ text: Substring) throws(SocketTokenError) -> SocketToken {
        guard let bytes = Base64URL.decode(text), let payload = try? JSONValue.decode(bytes, maxDepth: 4),
            case .object = payload
        else { throw SocketTokenError(.malformed, "has a payload that is not base64url of a JSON object") }
        guard case .string(let app)? = payload["app"] else {
            throw SocketTokenError(.malformed, "names no app")
        }
        var user: String?
        switch payload["user"] {
        case nil, .null?: user = nil
        case .string(let text)? where !text.isEmpty && text.utf8.count <= maxUserBytes: user = text
        default:
            throw SocketTokenError(.malformed, "has a user that is not a string of 1-\(maxUserBytes) bytes")
        }
        var channels: [String] = []
        if let list = payload["channels"], list != .null {
            guard case .array(let items) = list, items.count <= maxChannels else {
                throw SocketTokenError(
                    .malformed,
                    "has channels that are not a list of at most \(maxChannels) patterns"
                )
            }
            for item in items {
                guard case .string(let pattern) = item, ChannelPattern(pattern) != nil else {
                    throw SocketTokenError(.malformed, "names a channel pattern that is not valid")
                }
                channels.append(pattern)
            }
        }
        guard case .number(let exp)? = payload["exp"], exp.rounded() == exp, abs(exp) < 9.0e15 else {
            throw SocketTokenError(.malformed, "has no expiry time (exp, in ms since 1970)")
        }
        return SocketToken(app: app, user: user, channels: channels, expiresAtMs: Int64(exp))
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &out, &length)
        return Array(out.prefix(Int(length)))
    }
}

/// Why a socket token was refused; `message` names the problem and what to do.
public struct SocketTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failure kind (its raw value is the wire error code).
    public enum Kind: String, Sendable {
        case malformed
        case badSignature = "bad_signature"
        case expired
        case wrongApp = "wrong_app"
    }

    public let kind: Kind
    public let message: String

    /// `detail` continues "the socket token …"; a malformed token also gets the usual remedy.
    init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        let remedy = detail.contains("fazt.socket.token") ? "" : "; ask the app for a new one (fazt.socket.token)"
        self.message = "the socket token \(detail)\(remedy)"
    }

    public var description: String { message }
}

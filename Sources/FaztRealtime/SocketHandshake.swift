import CCrypto
import FaztVFS
import Foundation

/// The checks of a WebSocket opening handshake (RFC 6455 §4.2.1) and the app's Origin rule.
public enum SocketHandshake {
    /// Why a handshake is refused, with the status it is answered with.
    public enum Refusal: Error, Equatable {
        /// 400: not a valid upgrade request (the message says which header).
        case badRequest(String)
        /// 426 with `Sec-WebSocket-Version: 13`.
        case unsupportedVersion
        /// 403: the Origin is not allowed (the message says how to allow it).
        case forbidden(String)
    }

    /// Checks the upgrade headers (`header` returns a header's value, nil when absent; lists joined
    /// by commas) and returns the `Sec-WebSocket-Accept` value.
    public static func accept(header: (String) -> String?) -> Result<String, Refusal> {
        guard let upgrade = header("Upgrade"), hasToken(upgrade, "websocket") else {
            return .failure(.badRequest("this path takes WebSocket connections only (missing Upgrade: websocket)"))
        }
        guard let connection = header("Connection"), hasToken(connection, "upgrade") else {
            return .failure(.badRequest("missing Connection: Upgrade"))
        }
        guard header("Sec-WebSocket-Version")?.trimmingCharacters(in: .whitespaces) == "13" else {
            return .failure(.unsupportedVersion)
        }
        guard let key = header("Sec-WebSocket-Key")?.trimmingCharacters(in: .whitespaces),
            let decoded = Data(base64Encoded: key), decoded.count == 16
        else {
            return .failure(.badRequest("Sec-WebSocket-Key must be 16 random bytes in base64"))
        }
        return .success(acceptValue(key: key))
    }

    /// base64(SHA-1(key + the RFC's GUID)).
    public static func acceptValue(key: String) -> String {
        let input = Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)
        var digest = [UInt8](repeating: 0, count: 20)
        input.withUnsafeBufferPointer { bytes in
            _ = SHA1(bytes.baseAddress, bytes.count, &digest)
        }
        return Data(digest).base64EncodedString()
    }

    /// Whether `origin` may open a socket to the app served at `host` (the request's Host header).
    ///
    /// Exact comparison only (scheme, host and port): a look-alike such as `evil-app.example` never
    /// matches `app.example`. Without `realtime.origins` only the app's own origin is allowed; `"*"`
    /// allows any. A handshake without Origin (not a browser) passes unless `requireOrigin` is set.
    public static func check(origin: String?, host: String, options: RealtimeOptions) -> Refusal? {
        guard let origin else {
            return options.requireOrigin
                ? .forbidden("this app requires an Origin header (fazt.json realtime.requireOrigin)") : nil
        }
        let given = origin.lowercased()
        let own = host.lowercased()
        let allowed = options.origins ?? ["http://\(own)", "https://\(own)"]
        if allowed.contains("*") || allowed.contains(where: { $0.lowercased() == given }) { return nil }
        return .forbidden(
            "origin \(origin) may not open sockets to this app (fazt.json realtime.origins lists who may)"
        )
    }

    /// Whether a comma-separated header value contains `token` (case-insensitive).
    static func hasToken(_ value: String, _ token: String) -> Bool {
        value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == token }
    }
}

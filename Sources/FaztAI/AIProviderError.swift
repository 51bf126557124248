import FaztJSON

/// A provider's refusal or failure: an HTTP error response, or no response at all.
///
/// It carries the
/// provider's own code and message, never the request's headers (which hold the key).
public struct AIProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The most characters of a provider message kept.
    public static let messageLimit = 500

    /// The HTTP status; 0 when the connection failed before a response.
    public var status: Int
    /// The provider's error type or code (`rate_limit_exceeded`, `overloaded_error`, `RESOURCE_EXHAUSTED`), if any.
    public var code: String?
    /// The provider's message, at most `messageLimit` characters.
    public var message: String
    /// Whether the same request may succeed if sent again.
    public var retryable: Bool
    /// How long the provider asked to wait before retrying, if it said.
    public var retryAfterSeconds: Double?

    /// Statuses worth retrying: timeouts, conflicts, rate limits, server errors, Anthropic's 529 overload.
    public static let retryableStatuses: Set<Int> = [408, 409, 425, 429, 500, 502, 503, 504, 529]

    /// Creates an error from its parts.
    public init(status: Int, code: String?, message: String, retryable: Bool, retryAfterSeconds: Double? = nil) {
        self.status = status
        self.code = code
        self.message = String(message.prefix(Self.messageLimit))
        self.retryable = retryable
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Reads an error response.
    ///
    /// `now` (Unix seconds) turns a `retry-after` HTTP date into seconds;
    /// `secrets` (such as the API key) are cut out of the message should the provider echo them.
    public init(
        status: Int,
        headers: [(String, String)],
        body: [UInt8],
        now: Double? = nil,
        redacting secrets: [String] = []
    ) {
        var code: String?
        var message = ""
        if let json = try? JSONValue.decode(body) {
            // OpenAI: {error:{message,type,code}}; Anthropic: {type:"error",error:{type,message}};
            // Gemini: {error:{code:429,message,status}}.
            let error = json["error"]
            code = error?["code"]?.stringValue ?? error?["status"]?.stringValue ?? error?["type"]?.stringValue
            message = error?["message"]?.stringValue ?? error?.stringValue ?? json["message"]?.stringValue ?? ""
        }
        if message.isEmpty {
            message = String(decoding: body.prefix(4 * Self.messageLimit), as: UTF8.self)
        }
        if message.isEmpty { message = "HTTP \(status)" }
        for secret in secrets where !secret.isEmpty {
            message = message.replacingAll(secret, with: "[redacted]")
        }
        self.init(
            status: status,
            code: code,
            message: message,
            retryable: Self.retryableStatuses.contains(status),
            retryAfterSeconds: Self.retryAfter(headers, now: now)
        )
    }

    /// A failure before any response (refused connection, reset, timeout); always retryable.
    public static func connectionFailed(_ message: String) -> AIProviderError {
        AIProviderError(status: 0, code: "connection_error", message: message, retryable: true)
    }

    public var description: String {
        let what = status == 0 ? "connection failed" : "provider answered HTTP \(status)"
        return code.map { "\(what) (\($0)): \(message)" } ?? "\(what): \(message)"
    }

    /// `retry-after-ms`, else `retry-after` as seconds or an HTTP date.
    static func retryAfter(_ headers: [(String, String)], now: Double?) -> Double? {
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name }?.1.trimmingSpaces
        }
        if let text = header("retry-after-ms"), let milliseconds = Double(text), milliseconds >= 0 {
            return milliseconds / 1000
        }
        guard let text = header("retry-after") else { return nil }
        if let seconds = Double(text) { return seconds >= 0 ? seconds : nil }
        guard let now, let date = HTTPDate.unixSeconds(text) else { return nil }
        return max(0, date - now)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    /// `self` with every occurrence of `target` replaced (byte-wise; Foundation is not used here).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let source = Array(utf8)
        let needle = Array(target.utf8)
        guard !needle.isEmpty, source.count >= needle.count else { return self }
        var result: [UInt8] = []
        var index = 0
        while index < source.count {
            if index + needle.count <= source.count, source[index..<index + needle.count].elementsEqual(needle) {
                result += replacement.utf8
                index += needle.count
            } else {
                result.append(source[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

/// Event types and subscription patterns.
///
/// A type is dot-separated segments: `app:<name>.<type…>` for app events, `system.<…>` for kernel
/// events. In a pattern `*` matches one segment and `**` the rest (one or more segments). An app
/// may write patterns for its own events without the `app:<name>.` prefix; a pattern starting with
/// `app:`, `system`, `*` or `**` is absolute (what it may actually see is still limited).
public struct EventPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    let segments: [Substring]

    /// Parses `text` as written by `app`; relative patterns get the app's namespace.
    public init(_ text: String, app: String) throws(EventError) {
        let first = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let absolute = first.hasPrefix("app:") || first == "system" || first == "*" || first == "**"
        let full = absolute ? text : "app:\(app).\(text)"
        guard full.utf8.count <= 256 else { throw EventError("the pattern \"\(text)\" is longer than 256 bytes") }
        let segments = full.split(separator: ".", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            guard !segment.isEmpty else { throw EventError("the pattern \"\(text)\" has an empty segment") }
            if segment == "**" {
                guard index == segments.count - 1 || segments.count == 1 else {
                    throw EventError("\"**\" may only end a pattern (\"\(text)\")")
                }
                continue
            }
            if segment == "*" { continue }
            guard EventType.isSegment(segment, first: index == 0) else {
                throw EventError("the pattern \"\(text)\" has an invalid segment \"\(segment)\"")
            }
        }
        self.text = full
        self.segments = segments
    }

    public var description: String { text }

    /// Whether `type` (a full event type) matches.
    public func matches(_ type: String) -> Bool {
        let parts = type.split(separator: ".", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            if segment == "**" { return parts.count > index }
            guard index < parts.count else { return false }
            if segment != "*" && segment != parts[index] { return false }
        }
        return parts.count == segments.count
    }
}

/// Event type names.
public enum EventType {
    /// The full type of an event `type` emitted by `app` (`app:<app>.<type>`); throws for bad names.
    public static func namespaced(_ type: String, app: String) throws(EventError) -> String {
        guard !type.isEmpty, type.utf8.count <= 200 else { throw EventError("an event type must be 1-200 bytes") }
        let segments = type.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ isSegment($0, first: false) }) else {
            throw EventError("the event type \"\(type)\" must be dot-separated names of letters, digits, '_' and '-'")
        }
        return "app:\(app).\(type)"
    }

    static func isSegment(_ segment: Substring, first: Bool) -> Bool {
        guard !segment.isEmpty, segment.utf8.count <= 100 else { return false }
        if first && segment.hasPrefix("app:") {
            let name = segment.dropFirst(4)
            return !name.isEmpty
                && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        }
        return segment.utf8.allSatisfy { byte in
            (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 95
                || byte == 45
        }
    }
}

/// A bad event type, pattern, permission or subscription.
public struct EventError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

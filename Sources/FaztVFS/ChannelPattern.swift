/// A realtime channel name in which `*` matches any run of characters, possibly empty (`chat-*`,
/// `room-*-admins`, `*`): the keys of `"realtime.channels"` in `fazt.json` and the channel lists of
/// connection tokens.
///
/// Matching works on bytes: channel names are printable ASCII (see `isValidChannelName`).
public struct ChannelPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    /// The literal parts between the stars: `chat-*-x` → `["chat-", "-x"]`, `*` → `["", ""]`.
    private let parts: [[UInt8]]

    /// A pattern, or nil unless `text` is 1...255 bytes of printable ASCII (`!` to `~`).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 255, bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else { return nil }
        self.init(checked: text)
    }

    /// `*`: every channel.
    public static let all = ChannelPattern(checked: "*")

    private init(checked text: String) {
        self.text = text
        self.parts = text.utf8.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map(Array.init)
    }

    /// Whether `channel` is a name this pattern covers.
    public func matches(_ channel: String) -> Bool {
        let name = Array(channel.utf8)
        guard parts.count > 1 else { return name == parts[0] }
        let first = parts[0]
        let last = parts[parts.count - 1]
        guard name.count >= first.count + last.count, name.starts(with: first),
            name.suffix(last.count).elementsEqual(last)
        else { return false }
        // The middle parts in order, each as early as possible, between the fixed prefix and suffix.
        var at = first.count
        let end = name.count - last.count
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let found = Self.find(part, in: name, from: at, before: end) else { return false }
            at = found + part.count
        }
        return true
    }

    /// The number of characters that are not `*`: the more, the more specific.
    public var specificity: Int { text.utf8.count - (parts.count - 1) }

    public var description: String { text }

    public static func == (lhs: ChannelPattern, rhs: ChannelPattern) -> Bool { lhs.text == rhs.text }

    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Whether `name` can name a channel: 1...255 bytes of printable ASCII (`!` to `~`) without `*`.
    public static func isValidChannelName(_ name: String) -> Bool {
        let bytes = name.utf8
        return !bytes.isEmpty && bytes.count <= 255
            && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: "*") }
    }

    /// The first index ≥ `from` where `needle` occurs wholly before `before`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int, before: Int) -> Int? {
        guard before - from >= needle.count else { return nil }
        for start in from...(before - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

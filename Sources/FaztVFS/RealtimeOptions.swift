/// The manifest's `realtime` object: who may open the app's sockets at `/_ws` and what each channel
/// allows.
public struct RealtimeOptions: Sendable, Equatable {
    /// Origins allowed to open a socket (`scheme://host[:port]`, lower-cased); nil: only the app's own
    /// origin; `["*"]`: any origin.
    public var origins: [String]? = nil
    /// Refuse handshakes that carry no `Origin` header (non-browser clients).
    public var requireOrigin = false
    /// The channel rules in manifest order (the order breaks ties between equally specific patterns).
    public var channels: [ChannelRule] = []
    /// The socket event handler file; nil: `api/_socket.js` when that file exists.
    public var handler: String? = nil
    /// Offer permessage-deflate compression.
    public var deflate = false

    public init() {}

    /// The rule of the most specific pattern that matches `channel` (the first in manifest order
    /// among equals), or `ChannelRule.default` when none does.
    public func rule(for channel: String) -> ChannelRule {
        var best: ChannelRule?
        for rule in channels where rule.pattern.matches(channel) {
            if best.map({ rule.pattern.specificity > $0.pattern.specificity }) ?? true { best = rule }
        }
        return best ?? .default
    }
}

/// What one channel pattern of `realtime.channels` allows.
public struct ChannelRule: Sendable, Equatable {
    /// The channels this rule covers.
    public var pattern: ChannelPattern
    /// Clients may publish (otherwise only the app's code may).
    public var publish = false
    /// Subscribers see each other join and leave, and may ask for the presence list.
    public var presence = false
    /// Messages kept for recovery after a reconnect (0...10 000).
    public var history: Int = 100
    /// Seconds a kept message stays recoverable (1...86 400).
    public var historySeconds: Int = 120
    /// Who may subscribe.
    public var auth: Auth = .none

    /// The manifest's `auth` value.
    public enum Auth: String, Sendable, Equatable {
        /// Anyone who may open a socket.
        case none
        /// Only sockets whose connection token names the channel.
        case token
    }

    /// The rule of channels that no pattern covers: subscribe only, no presence, default history.
    public static let `default` = ChannelRule(pattern: .all)

    public init(
        pattern: ChannelPattern,
        publish: Bool = false,
        presence: Bool = false,
        history: Int = 100,
        historySeconds: Int = 120,
        auth: Auth = .none
    ) {
        self.pattern = pattern
        self.publish = publish
        self.presence = presence
        self.history = history
        self.historySeconds = historySeconds
        self.auth = auth
    }
}

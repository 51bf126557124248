/// Limits of the realtime layer, with their defaults (all documented in docs/api.md).
public struct RealtimeLimits: Sendable, Equatable {
    /// Largest message a client may send, in bytes, after reassembling fragments (close 1009 above it).
    public var maxMessageBytes = 512 * 1024
    /// Most frames one fragmented message may have (close 1009 above it: a fragment flood).
    public var maxFragments = 1024
    /// Bytes queued for a socket that it has not read yet; past it the socket is closed with
    /// `CloseCode.slowConsumer`.
    public var outboundBudgetBytes = 1 << 20
    /// Open sockets per client IP address, all apps together.
    public var maxSocketsPerIP = 256
    /// Open sockets per app.
    public var maxSocketsPerApp = 10_000
    /// Channels one socket may be subscribed to at once.
    public var maxChannelsPerSocket = 100
    /// Subscribe messages one socket may send per second (token bucket, burst of the same size).
    public var subscribesPerSecond = 20
    /// Seconds between server pings (a JSON `ping` and a protocol ping).
    public var pingIntervalSeconds = 30
    /// Seconds without any frame from the client after which the socket is closed (a missed pong).
    public var readTimeoutSeconds = 40
    /// Seconds the server waits for the client's close frame after sending its own.
    public var closeTimeoutSeconds = 5

    public init() {}
}

/// Close codes the server sends (RFC 6455 §7.4 and Fazt's own 4000–4999 range).
public enum CloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let protocolError: UInt16 = 1002
    public static let unsupportedData: UInt16 = 1003
    public static let invalidPayload: UInt16 = 1007
    public static let policyViolation: UInt16 = 1008
    public static let messageTooBig: UInt16 = 1009
    public static let internalError: UInt16 = 1011
    /// The socket did not read what was sent to it fast enough (outbound budget exceeded).
    public static let slowConsumer: UInt16 = 4008
    /// No frame from the client within the read timeout (a missed pong).
    public static let noPong: UInt16 = 4012
    /// Kicked by the app (`fazt.socket.kick`).
    public static let kicked: UInt16 = 4009
}

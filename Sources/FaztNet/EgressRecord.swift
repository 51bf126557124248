/// One outbound call an app made with `fetch` (no bodies, no headers): what `fazt net log` shows.
public struct EgressRecord: Sendable, Codable, Equatable {
    public var app: String
    /// Unix milliseconds when the call started.
    public var at: Int64
    public var host: String
    public var method: String
    /// The HTTP status, 0 when no response came.
    public var status: Int
    /// Response body bytes received.
    public var bytes: Int
    public var durationMs: Int
    /// `NET_BLOCKED`, `NET_LIMIT`, `NET_TIMEOUT` or `NET_ERROR` for a failed call; nil on success.
    public var error: String?

    public init(
        app: String,
        at: Int64,
        host: String,
        method: String,
        status: Int,
        bytes: Int,
        durationMs: Int,
        error: String?
    ) {
        self.app = app
        self.at = at
        self.host = host
        self.method = method
        self.status = status
        self.bytes = bytes
        self.durationMs = durationMs
        self.error = error
    }
}

/// The daemon ↔ worker protocol: length-prefixed binary frames over the worker's stdin/stdout.
///
/// Every frame is a 4-byte big-endian length and a payload: one byte naming the `WorkerFrame` case,
/// then that case's fields, each a one-byte tag, a 4-byte big-endian length and its bytes
/// (`FrameCodec`; numbers as 8-byte big-endian integers, bodies as raw bytes, no JSON on the hot path). The worker opens with
/// `hello` carrying `protocolVersion`; a peer that speaks another version, sends a frame over the
/// limit or anything that does not decode is treated as broken (the daemon kills such a worker).
enum WorkerProtocol {
    static let version = 7
    /// How long an invocation may go on after its response started (a streamed body, then
    /// `ctx.waitUntil` work), counted from the first `responseStart`; the watchdog allows as much.
    static let afterResponseMs = 30_000
    static let maxFrameBytes = 64 << 20
}

/// A script to syntax-check at deploy time.
public struct ScriptSource: Codable, Sendable, Equatable {
    public var path: String
    public var source: String

    public init(path: String, source: String) {
        self.path = path
        self.source = source
    }
}

/// A problem found at deploy time: a syntax error, or exports that are not a handler.
public struct ScriptProblem: Codable, Sendable, Equatable {
    public var path: String
    /// `file:line`.
    public var location: String?
    public var message: String
    /// nil for a syntax error; `bad_handler` when the file parses but exports no handler (the
    /// message then starts with the path).
    public var code: String?

    init(path: String, location: String? = nil, message: String, code: String? = nil) {
        self.path = path
        self.location = location
        self.message = message
        self.code = code
    }
}

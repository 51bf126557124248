/// The daemon ↔ worker protocol: length-prefixed binary frames over the worker's stdin/stdout.
///
/// Every frame is a 4-byte big-endian length and a payload of fields, each a one-byte tag, a 4-byte
/// big-endian length and its bytes (`FrameCodec`; no JSON on the hot path). The worker opens with
/// `hello` carrying `protocolVersion`; a peer that speaks another version, sends a frame over the
/// limit or anything that does not decode is treated as broken (the daemon kills such a worker).
enum WorkerProtocol {
    static let version = 3
    static let maxFrameBytes = 64 << 20
}

/// One protocol message; `type` says which fields are set.
struct WorkerMessage: Sendable {
    /// `hello`, `invoke`, `result`, `check`, `warm`, `store`, `stored`, `fetch`, `fetched`, `log`, `recycle`.
    var type: String
    var id: UInt64?
    var protocolVersion: Int?
    var app: String?
    var version: Int?
    var file: String?
    /// `invoke`: the request as JSON (see `InvocationRequest`).
    var request: String?
    var timeoutMs: Int?
    /// `result`, `fetched`: the response (status, header fields in order, body bytes), or `failure`.
    var status: Int?
    var headers: [(String, String)]?
    var body: [UInt8]?
    var failure: InvocationFailure?
    var level: String?
    var message: String?
    /// `check`: scripts to parse; the `result` carries `problems`.
    var sources: [ScriptSource]?
    var problems: [ScriptProblem]?
    /// `store`: the storage call (`kv.set`, `tx.begin`, …), its arguments and transaction session.
    var op: String?
    var args: [String]?
    var session: UInt64?
    /// `stored`: the error code of a failed storage call (with `message`).
    var code: String?
    /// `result`: the invocation used storage (the daemon holds the response until it is durable).
    var storage: Bool?
    /// `invoke`: keep the invocation's console output and send it back in the result's `output`.
    var capture: Bool?
    var output: String?
}

/// A script to syntax-check at deploy time.
public struct ScriptSource: Codable, Sendable {
    public var path: String
    public var source: String

    public init(path: String, source: String) {
        self.path = path
        self.source = source
    }
}

/// A problem found at deploy time: a syntax error, or exports that are not a handler.
public struct ScriptProblem: Codable, Sendable {
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

/// Why an invocation produced no response.
public struct InvocationFailure: Codable, Sendable, Error, Equatable {
    /// What went wrong; it decides the HTTP status (`Kind.isServerLimit`) and whether a job retries.
    public var kind: Kind
    public var message: String
    public var location: String?
    public var stack: String?
    /// The `FaztError` code the app's error carried (`QUOTA_EXCEEDED`, `SQL_ERROR`, …), if any.
    public var code: String?

    public init(kind: Kind, message: String, location: String? = nil, stack: String? = nil, code: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.stack = stack
        self.code = code
    }
}

extension InvocationFailure {
    /// The kinds of failure; on the wire (and in job outcomes) as the raw string.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The app threw (or its promise rejected, or never settled).
        case exception
        /// The handler ran past its time limit.
        case timeout
        /// The worker passed its memory limit.
        case memory
        /// The worker died or broke the protocol.
        case crash
        /// No worker could run it (restart, shutdown, no runtime).
        case unavailable
        /// Storage back-pressure: the writer's queue is full.
        case busy
        /// A pipelined storage write failed after the handler returned.
        case storage
        /// The code cannot run: it does not compile, a module is missing, it exports no handler.
        case handler
        /// The app or handler file does not exist (jobs).
        case missing
        /// A fault of the runtime itself.
        case `internal`

        /// The server's own words about a limit (HTTP 503, message shown): nothing of the app's is in them.
        public var isServerLimit: Bool {
            switch self {
            case .busy, .timeout, .memory, .unavailable: return true
            case .exception, .crash, .storage, .handler, .missing, .internal: return false
            }
        }

        /// A failure that retrying will not fix (the job is not retried).
        public var isPermanent: Bool { self == .handler || self == .missing }
    }
}

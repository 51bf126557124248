import NIOCore

/// How a `fazt.ai` call runs, as JavaScript chose it.
public enum AICallMode: String, Sendable, Equatable, CaseIterable {
    /// `await fazt.ai({…})`: one result.
    case call
    /// `fazt.ai.stream({…})` iterated in the handler: events, then the result.
    case stream
    /// `fazt.ai.stream({…, channel})`: the daemon publishes the events to a channel and keeps going
    /// after the handler returns; the result is `{streamId}` at once.
    case channel
    /// `fazt.ai.embed({model, input})`: vectors.
    case embed
    /// `fazt.ai.stream({…}).toResponse()`: the daemon holds the events until the handler's response
    /// (which names the stream) reaches the HTTP layer, then sends them to the caller as server-sent
    /// events; the result is `{streamId}` at once.
    case response
}

/// One `fazt.ai` call as the daemon receives it from a worker.
public struct AICallRequest: Sendable, Equatable {
    /// The calling app: set by the daemon from the invocation, never by JavaScript.
    public var app: String
    public var mode: AICallMode
    /// The options JavaScript passed, as JSON text.
    public var options: String
    /// The event loop of the HTTP request whose invocation made the call (nil for jobs, events and
    /// calls made off a loop): a `toResponse()` answer is read from the provider there.
    public var callerLoop: (any EventLoop)?

    public init(app: String, mode: AICallMode, options: String, callerLoop: (any EventLoop)? = nil) {
        self.app = app
        self.mode = mode
        self.options = options
        self.callerLoop = callerLoop
    }

    public static func == (lhs: AICallRequest, rhs: AICallRequest) -> Bool {
        lhs.app == rhs.app && lhs.mode == rhs.mode && lhs.options == rhs.options
            && (lhs.callerLoop.map { ObjectIdentifier($0) } == rhs.callerLoop.map { ObjectIdentifier($0) })
    }
}

/// Why a `fazt.ai` call failed, as JavaScript's `FaztError` shows it.
public struct AICallError: Error, Sendable, Equatable {
    /// The `FaztError` code: `AI_NOT_CONFIGURED`, `AI_DENIED`, `AI_BUDGET`, `AI_RATE_LIMITED`,
    /// `AI_PROVIDER`, `AI_TIMEOUT`, `INVALID_ARGUMENT`, and so on.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// The daemon's side of `fazt.ai` (provider keys, budgets, streaming): the server provides it.
///
/// `start` must return at once; `event` (streamed calls) and then `done` exactly once are called
/// later from any thread. Provider keys never appear in anything passed to them.
public protocol AIService: Sendable {
    /// Starts `call`; returns what stops it (the invocation that made a `call` or `stream` call
    /// ended before it did), or nil when it cannot be stopped.
    @discardableResult
    func start(
        _ call: AICallRequest,
        event: @escaping @Sendable (String) -> Void,
        done: @escaping @Sendable (Result<String, AICallError>) -> Void
    ) -> (@Sendable () -> Void)?
}

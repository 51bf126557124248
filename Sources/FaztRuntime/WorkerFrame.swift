import FaztNet
import FaztStorage

/// One frame on the daemon ↔ worker pipe: each case its own struct with its own field tags
/// (`FrameCodec`), so nothing is reused for two meanings and a new case cannot break an old one.
///
/// Daemon → worker: `invoke`, `warm`, `check`, `stored`, `fetched`, `aiEvent`, `aiDone`.
/// Worker → daemon: `hello`, `result`, `checked`, `store`, `fetch`, `log`, `recycle`, `ai`, `aiCancel`,
/// `responseStart`, `responseChunk`, `responseEnd`.
enum WorkerFrame: Sendable, Equatable {
    case hello(Hello)
    case invoke(Invoke)
    case warm(Warm)
    case check(Check)
    case result(InvokeResult)
    case checked(Checked)
    case store(Store)
    case stored(Stored)
    case fetch(Fetch)
    case fetched(Fetched)
    case log(Log)
    case recycle
    case ai(AIStart)
    case aiEvent(AIEvent)
    case aiDone(AIDone)
    /// Stop the `fazt.ai` call with this id (its `signal` aborted).
    case aiCancel(UInt64)
    /// The running invocation's response leaves before the invocation ends.
    case responseStart(ResponseStart)
    /// A piece of a streamed response body.
    case responseChunk(ResponseChunk)
    /// The end of a streamed response body.
    case responseEnd(ResponseEnd)

    /// The first frame a worker sends: the protocol it speaks.
    struct Hello: Sendable, Equatable {
        var protocolVersion: Int
    }

    /// Run `file` of `app`@`version` for `request` (the request's JSON, see `InvocationRequest`).
    struct Invoke: Sendable, Equatable {
        var id: UInt64
        var app: String
        var version: Int
        var file: String
        var request: String
        /// The request body as bytes when it is not UTF-8 text (the JSON then carries none).
        var body: [UInt8]? = nil
        var timeoutMs: Int
        /// Keep the console output and send it back in the result's `output` (jobs, events).
        var capture = false
    }

    /// Prepare the context of `app`@`version` ahead of its first request.
    struct Warm: Sendable, Equatable {
        var id: UInt64
        var app: String
        var version: Int
    }

    /// Syntax-check scripts at deploy time; answered by `checked`.
    struct Check: Sendable, Equatable {
        var id: UInt64
        var sources: [ScriptSource]
    }

    /// The answer to `invoke` or `warm`.
    struct InvokeResult: Sendable, Equatable {
        enum Outcome: Sendable, Equatable {
            case response(status: Int, headers: [HeaderField], body: [UInt8])
            case failure(InvocationFailure)
        }
        var id: UInt64
        var outcome: Outcome
        /// The invocation used storage: the daemon holds the response until that is durable.
        var usedStorage = false
        /// The captured console output (when `Invoke.capture` asked for it).
        var output: String?
    }

    /// The answer to `check`.
    struct Checked: Sendable, Equatable {
        var id: UInt64
        var problems: [ScriptProblem]
        /// ES modules and TypeScript files as transformed, for the daemon's `module_cache`.
        var modules: [CompiledModule] = []
    }

    /// A storage call the worker cannot run itself (writes, transactions, kernel calls).
    struct Store: Sendable, Equatable {
        /// Nil for a pipelined write (`kv.set`): nobody waits for its `stored`.
        var id: UInt64?
        var app: String
        var op: StorageOp
        var args: [String]
        var data: [UInt8]?
        /// The transaction session the call belongs to.
        var session: UInt64?
        var timeoutMs: Int?
        /// Pipelined: the worker did not wait; a failure fails the invocation's response instead.
        var pipelined = false
    }

    /// The answer to a `store` with an id.
    struct Stored: Sendable, Equatable {
        enum Outcome: Sendable, Equatable {
            case success(json: String, data: [UInt8]?)
            case failure(code: String, message: String)
        }
        var id: UInt64
        var outcome: Outcome
    }

    /// A `fetch()` the daemon performs under the egress policy.
    struct Fetch: Sendable, Equatable {
        var id: UInt64
        var app: String
        var url: String
        var method: String
        var headers: [HeaderField]
        var body: [UInt8]?
        /// The secret or connection the daemon adds (`fetch(url, {auth, connection})`).
        var auth = FetchAuth()
    }

    /// The answer to `fetch`.
    struct Fetched: Sendable, Equatable {
        enum Outcome: Sendable, Equatable {
            case response(status: Int, headers: [HeaderField], body: [UInt8], url: String)
            case failure(message: String)
        }
        var id: UInt64
        var outcome: Outcome
    }

    /// A line of an app's console output.
    struct Log: Sendable, Equatable {
        var app: String
        var level: String
        var message: String
    }
}

/// One header field, in order (names may repeat).
struct HeaderField: Sendable, Equatable {
    var name: String
    var value: String

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension [HeaderField] {
    init(pairs: [(String, String)]) { self = pairs.map { HeaderField($0.0, $0.1) } }
    var pairs: [(String, String)] { map { ($0.name, $0.value) } }
}

extension WorkerFrame {
    /// A `fazt.ai` call the daemon makes with the owner's provider keys (JavaScript never sees
    /// them); answered by `aiEvent`s (streamed calls) and one `aiDone`.
    struct AIStart: Sendable, Equatable {
        var id: UInt64
        var app: String
        var mode: AICallMode
        /// The call's options as JSON text (`{model, messages | prompt, …}`).
        var options: String
    }

    /// One event of a streamed call, as the JSON object JavaScript receives.
    struct AIEvent: Sendable, Equatable {
        var id: UInt64
        var event: String
    }

    /// The end of a `fazt.ai` call.
    struct AIDone: Sendable, Equatable {
        enum Outcome: Sendable, Equatable {
            /// The result as JSON text (`{text, toolCalls, …}`, `{vectors}`, or `{streamId}`).
            case result(json: String)
            /// A `FaztError` code (`AI_BUDGET`, …) and its message.
            case failure(code: String, message: String)
        }
        var id: UInt64
        var outcome: Outcome
    }
}

extension WorkerFrame {
    /// The response of invocation `id`, sent while the invocation goes on.
    ///
    /// Whole (`streamed` false: `body` is all of it; `ctx.waitUntil` work continues) or the head
    /// of a body that follows in `responseChunk`s and one `responseEnd` (a `ReadableStream` body).
    /// The invocation's `result` still ends it; the daemon then ignores its response.
    struct ResponseStart: Sendable, Equatable {
        var id: UInt64
        var status: Int
        var headers: [HeaderField]
        var body: [UInt8]
        var streamed: Bool
        /// The invocation used storage before this point: the daemon holds the response until
        /// that is durable, as it does a `result`'s.
        var usedStorage = false
    }

    /// A piece of a streamed body, in order.
    struct ResponseChunk: Sendable, Equatable {
        var id: UInt64
        var body: [UInt8]
    }

    /// The end of a streamed body: complete, or cut short by `error` (the client sees a truncated body).
    struct ResponseEnd: Sendable, Equatable {
        var id: UInt64
        var error: String?
    }
}

import Foundation
import Glibc

@testable import FaztRuntime

/// Runs app JavaScript in-process for unit tests, on a thread JavaScriptCore can use: its own
/// pthread with every signal unblocked (JSC interrupts and suspends threads with signals, which
/// the test runner's libdispatch threads block) and an 8 MB stack.
enum PreludeHarness {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    }

    enum Failure: Error, Equatable {
        case exception(message: String, location: String?)
        case noOutcome
    }

    /// Invokes `file` of an app made of `files` with `request` (the JSON the daemon would send) and
    /// `bytes`, the body when it is not text (sent beside the JSON).
    static func invoke(
        files: [String: String],
        file: String,
        request: [String: Any],
        bytes: [UInt8]? = nil,
        storage: StorageRecorder? = nil,
        responses: ResponseRecorder? = nil,
        env: [String: String] = [:]
    ) throws -> Answer {
        var merged: [String: Any] = [
            "method": "GET", "path": "/api", "url": "http://x/api", "query": [:], "headers": [:], "ip": "",
        ]
        merged.merge(request) { _, new in new }
        if merged["__fazt"] != nil {
            // A kernel payload (job, event, socket event) is not shaped like a request.
            merged = request
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: merged), as: UTF8.self)
        return try onJavaScriptThread {
            let engine = JSEngine()
            let app = try AppContext(
                engine: engine,
                app: "test",
                version: 1,
                files: Set(files.keys),
                readFile: { files[$0].map { Array($0.utf8) } },
                readEnv: { env[$0] },
                log: { _, _ in }
            )
            if let storage {
                app.storageCall = { op, args, _ in storage.answer(op, args) }
            }
            if let responses {
                app.sendResponse = { responses.parts.append(ResponseRecorder.describe($0)) }
            }
            guard let invoke = app.invokeFunction else { throw Failure.noOutcome }
            let ctx = app.context
            try ctx.call(invoke, [ctx.string(file), ctx.string(json), bytes.map { ctx.arrayBuffer($0) } ?? ctx.null])
            switch app.outcome {
            case .response(let status, let pairs, let body)?:
                var headers: [String: String] = [:]
                for (name, value) in pairs { headers[name] = value }
                return Answer(status: status, headers: headers, body: body)
            case .failure(let message, let location, _, _)?:
                throw Failure.exception(message: message, location: location)
            case nil:
                throw Failure.noOutcome
            }
        }
    }

    private final class Box<T>: @unchecked Sendable {
        // Safe: written by the JS thread before `done.signal()`, read after `done.wait()`.
        var result: Result<T, Error>?
    }

    static func onJavaScriptThread<T>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_UNBLOCK, &all, nil)
            box.result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        guard let result = box.result else { throw Failure.noOutcome }
        return try result.get()
    }
}

/// Stands in for the daemon in prelude tests: records each storage or kernel call (`op` and its
/// arguments) and answers it with `respond` (text, or `"\u{1}CODE\u{1}message"` for an error).
final class StorageRecorder: @unchecked Sendable {
    // Safe: written on the harness's JavaScript thread, read after `invoke` returned (it waits
    // for that thread).
    private(set) var calls: [(op: String, args: [String])] = []
    private let respond: (String, [String]) -> String

    init(respond: @escaping (String, [String]) -> String = { _, _ in "true" }) {
        self.respond = respond
    }

    func answer(_ op: String, _ args: [String]) -> String {
        calls.append((op, args))
        return respond(op, args)
    }
}

/// Stands in for the daemon in prelude tests: records the response parts that leave before an
/// invocation ends (`whole STATUS body`, `head STATUS`, `chunk text`, `end` or `end error`).
final class ResponseRecorder: @unchecked Sendable {
    // Safe: written on the harness's JavaScript thread, read after `invoke` returned.
    var parts: [String] = []

    static func describe(_ part: AppContext.ResponsePart) -> String {
        switch part {
        case .whole(let status, _, let body): "whole \(status) \(String(decoding: body, as: UTF8.self))"
        case .head(let status, _): "head \(status)"
        case .chunk(let bytes): "chunk \(String(decoding: bytes, as: UTF8.self))"
        case .end(let error): error.map { "end \($0)" } ?? "end"
        }
    }
}

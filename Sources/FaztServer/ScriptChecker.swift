import FaztRuntime
import FaztVFS
import Foundation

/// Bridges the deploy's synchronous script check (on the thread pool) to the async supervisor.
enum ScriptChecker {
    /// Throws `syntaxError` naming `file:line` for the first script that does not parse, or
    /// `badHandler` for a route file whose exports are not a handler.
    static func check(_ scripts: [(path: String, source: String)], with supervisor: Supervisor) throws {
        let sources = scripts.map { ScriptSource(path: $0.path, source: $0.source) }
        let outcome = BlockingTask.run { try await supervisor.checkSyntax(sources) }
        switch outcome {
        case .success(let problems):
            guard let problem = problems.first else { return }
            if problem.code == "bad_handler" { throw VFSError(.badHandler, problem.message) }
            throw VFSError(.syntaxError, "\(problem.location ?? problem.path): \(problem.message)")
        case .failure(let error):
            throw VFSError(.storage, "cannot check the app's scripts: \(error)")
        }
    }
}

/// Runs async work to completion from a thread that may block (never an event loop).
enum BlockingTask {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Result<T, Error> {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                box.value = .success(try await body())
            } catch {
                box.value = .failure(error)
            }
            done.signal()
        }
        done.wait()
        return box.value ?? .failure(CancellationError())
    }

    private final class ResultBox<T>: @unchecked Sendable {
        // Safe: written once by the task before `signal`, read only after `wait` returns.
        var value: Result<T, Error>?
    }
}

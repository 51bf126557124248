import FaztKernel
import FaztRuntime
import FaztScheduler
import FaztStore
import Foundation
import Synchronization

/// Runs a fired job in a worker: the app's live version, the job's handler file and time limit,
/// console output captured for the run history.
enum JobFiring {
    static func fire(
        _ invocation: JobInvocation,
        catalog: AppCatalog,
        supervisor: Supervisor?,
        notifier: Notifier?,
        done: @escaping @Sendable (JobOutcome) -> Void
    ) {
        let job = invocation.job
        if job.kind == "notify" {
            // A channel delivery: done by the daemon (libcurl), never by app JavaScript.
            DispatchQueue.global().async {
                do {
                    guard let notifier else { throw KernelError(.delivery, "notifications are not running") }
                    try notifier.deliver(job)
                    done(JobOutcome())
                } catch {
                    done(JobOutcome(failure: ("delivery", "\(error)")))
                }
            }
            return
        }
        guard let supervisor else {
            done(
                JobOutcome(
                    failure: (InvocationFailure.Kind.unavailable.rawValue, "the JavaScript runtime is not running")
                )
            )
            return
        }
        // Loading a snapshot reads the database: off the thread that reported the claim.
        DispatchQueue.global().async {
            guard let app = served(job.app, catalog: catalog) else {
                done(
                    JobOutcome(failure: (InvocationFailure.Kind.missing.rawValue, "app \(job.app) has no live version"))
                )
                return
            }
            guard app.snapshot.files[job.handler] != nil else {
                done(
                    JobOutcome(
                        failure: (
                            InvocationFailure.Kind.missing.rawValue,
                            "the handler \(job.handler) is not a file of version \(app.snapshot.version)"
                        )
                    )
                )
                return
            }
            supervisor.invokeCapturing(
                app: job.app,
                version: app.snapshot.version,
                file: job.handler,
                requestJSON: invocation.requestJSON,
                timeoutMs: job.timeoutMs
            ) { result, output in
                switch result {
                case .response:
                    done(JobOutcome(output: output))
                case .failure(let failure):
                    let location = failure.location.map { " (\($0))" } ?? ""
                    done(JobOutcome(failure: (failure.kind.rawValue, failure.message + location), output: output))
                }
            }
        }
    }

    static func handlerExists(app: String, path: String, catalog: AppCatalog) -> Bool {
        served(app, catalog: catalog)?.snapshot.files[path] != nil
    }

    private static func served(_ app: String, catalog: AppCatalog) -> ServedApp? {
        switch catalog.lookup(app) {
        case .live(let served): return served
        case .missing: return nil
        case .unknown: return try? catalog.load(app)
        }
    }
}

/// A reference filled in after construction (the scheduler fires into parts created after it).
final class LateBox<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    var current: Value? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// Records failed HTTP invocations and socket events in the run history, at most 10 per app per
/// second (a handler failing under load must not turn every request into a write).
final class FailureRecorder: Sendable {
    private let store: Store
    private let budget = Mutex<[String: (second: Int64, count: Int)]>([:])

    /// Runs kept per app.
    private let keep: Int

    init(store: Store, keep: Int) {
        self.store = store
        self.keep = keep
    }

    /// Records a failed invocation of `kind` (`http` or `socket`: message, `where`, code and
    /// stack) and hands `recorded` its run id once the writer applied it; nil when the app passed
    /// its 10 records a second.
    func record(
        app: String,
        kind: String = "http",
        file: String,
        failure: InvocationFailure,
        startedAt: Int64,
        durationMs: Int64,
        recorded: @escaping @Sendable (Int64?) -> Void
    ) {
        let second = startedAt / 1000
        let allowed = budget.withLock { budget -> Bool in
            var entry = budget[app] ?? (second, 0)
            if entry.second != second { entry = (second, 0) }
            entry.count += 1
            budget[app] = entry
            if budget.count > 4096 { budget = budget.filter { $0.value.second == second } }
            return entry.count <= 10
        }
        guard allowed else {
            recorded(nil)
            return
        }
        var run = Run(
            app: app,
            kind: kind,
            handler: file,
            startedAt: startedAt,
            durationMs: durationMs,
            outcome: "failed"
        )
        var error = failure.kind == .exception ? failure.message : "\(failure.kind.rawValue): \(failure.message)"
        if let code = failure.code { error += " [\(code)]" }
        if let location = failure.location { error += " (\(location))" }
        if let stack = failure.stack, !stack.isEmpty { error += "\n" + stack }
        run.error = error
        store.apply(
            { [keep] connection -> Int64 in
                try RunLog.record(connection, run, keep: keep)
                return connection.lastInsertRowID
            },
            applied: { result, _ in recorded(try? result.get()) }
        )
    }
}

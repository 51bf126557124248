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
                    guard let notifier else { throw SecretError("notifications are not running") }
                    try notifier.deliver(job)
                    done(JobOutcome())
                } catch {
                    done(JobOutcome(failure: ("delivery", "\(error)")))
                }
            }
            return
        }
        guard let supervisor else {
            done(JobOutcome(failure: ("unavailable", "the JavaScript runtime is not running")))
            return
        }
        // Loading a snapshot reads the database: off the thread that reported the claim.
        DispatchQueue.global().async {
            guard let app = served(job.app, catalog: catalog) else {
                done(JobOutcome(failure: ("missing", "app \(job.app) has no live version")))
                return
            }
            guard app.snapshot.files[job.handler] != nil else {
                done(
                    JobOutcome(
                        failure: (
                            "missing", "the handler \(job.handler) is not a file of version \(app.snapshot.version)"
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
                case .failure(let kind, let message, let location):
                    done(JobOutcome(failure: (kind, message + (location.map { " (\($0))" } ?? "")), output: output))
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

/// Records failed HTTP invocations in the run history, at most 10 per app per second (a handler
/// failing under load must not turn every request into a write).
final class FailureRecorder: Sendable {
    private let store: Store
    private let budget = Mutex<[String: (second: Int64, count: Int)]>([:])

    /// Runs kept per app.
    private let keep: Int

    init(store: Store, keep: Int) {
        self.store = store
        self.keep = keep
    }

    func record(app: String, file: String, kind: String, message: String, startedAt: Int64, durationMs: Int64) {
        let second = startedAt / 1000
        let allowed = budget.withLock { budget -> Bool in
            var entry = budget[app] ?? (second, 0)
            if entry.second != second { entry = (second, 0) }
            entry.count += 1
            budget[app] = entry
            if budget.count > 4096 { budget = budget.filter { $0.value.second == second } }
            return entry.count <= 10
        }
        guard allowed else { return }
        var run = Run(
            app: app,
            kind: "http",
            handler: file,
            startedAt: startedAt,
            durationMs: durationMs,
            outcome: "failed"
        )
        run.error = kind == "exception" ? message : "\(kind): \(message)"
        store.apply({ [keep] in try RunLog.record($0, run, keep: keep) }, applied: { _, _ in })
    }
}

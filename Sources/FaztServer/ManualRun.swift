import FaztAPI
import FaztRuntime
import FaztScheduler
import FaztStorage
import FaztStore
import Foundation

/// Runs an app's cron job or job file now, outside its schedule (`fazt run APP JOB`,
/// `fazt dev --run-job NAME`): the live version, the job's handler and time limit, console output
/// captured, and the outcome recorded in the execution history like any scheduled run.
///
/// The schedule itself is untouched: the cron job's next run stays where it was.
enum ManualRun {
    /// Runs `target` (a cron schedule's name, or a file of the live version) of `app` and returns
    /// the recorded run; throws 404 naming the app's jobs when `target` is neither.
    static func run(app: String, target: String, services: ServerServices) async throws -> RunBody {
        let catalog = services.catalog
        let store = services.store
        let pool = services.threadPool
        let (served, cron) = try await pool.runIfActive { () throws -> (ServedApp?, [Job]) in
            var served: ServedApp?
            switch catalog.lookup(app) {
            case .live(let found): served = found
            case .missing: served = nil
            case .unknown: served = try catalog.load(app)
            }
            return (served, try store.read { try JobStore.cronJobs($0, app: app) })
        }
        guard let served else {
            throw APIError.notFound("app '\(app)' has no live version; deploy it first")
        }
        let now = StorageExecutor.wallClock()
        var job: Job
        if let found = cron.first(where: { $0.name == target }) {
            job = found
        } else if served.snapshot.files[target] != nil {
            job = Job(kind: "timer", app: app, handler: target, state: "null", runAt: now)
            job.timeoutMs = services.configuration.scheduler.defaultTimeoutMs
        } else {
            let names = cron.compactMap(\.name)
            let list =
                names.isEmpty
                ? "it has no cron jobs (\"schedules\" in fazt.json)"
                : "its cron jobs: " + names.joined(separator: ", ")
            throw APIError(
                status: .notFound,
                code: "unknown_job",
                message: "app '\(app)' has no job '\(target)'; \(list) (or name a job file, such as jobs/nightly.js)"
            )
        }
        job.attempt = 1
        let request = Scheduler.request(for: job, firedAt: now)
        let supervisor = services.supervisor
        let version = served.snapshot.version
        let handler = job.handler
        let timeout = job.timeoutMs
        let (result, output): (InvocationResult, String?) = await withCheckedContinuation { continuation in
            supervisor.invokeCapturing(
                app: app,
                version: version,
                file: handler,
                requestJSON: request,
                timeoutMs: timeout
            ) { result, output in
                continuation.resume(returning: (result, output))
            }
        }
        var run = Run(
            app: app,
            kind: job.publicKind,
            handler: handler,
            startedAt: now,
            durationMs: max(0, StorageExecutor.wallClock() - now),
            outcome: "ok"
        )
        run.name = job.name
        run.attempt = 1
        run.output = output
        if case .failure(let failure) = result {
            run.outcome = "failed"
            let location = failure.location.map { " (\($0))" } ?? ""
            run.error = failure.message + location
        }
        let keep = services.configuration.scheduler.runsKeep
        let recorded = run
        run.id = try await store.write { connection -> Int64 in
            try RunLog.record(connection, recorded, keep: keep)
            return connection.lastInsertRowID
        }
        return RunBody(run)
    }
}

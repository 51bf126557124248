import FaztAPI
import FaztKernel
import FaztVFS
import Foundation

/// The running server as `fazt dev` drives it: the folder synced into the app's one version,
/// jobs run on demand.
///
/// Handed out once the server listens (`FaztDaemon.init(configuration:store:logger:dev:)`).
public final class DevSession: Sendable {
    let services: ServerServices
    /// The port the server listens on.
    public let port: Int

    init(services: ServerServices, port: Int) {
        self.services = services
        self.port = port
    }

    /// What one sync did.
    public struct SyncResult: Sendable {
        /// The app's one version (1 on a fresh database).
        public var version: Int
        public var files: Int
        /// True when this sync created the version (the first one), false when it updated it in place.
        public var created: Bool
        /// What the deploy set up (schedules, webhooks, permissions), for the first sync.
        public var summary: DeploySummary?
    }

    /// Puts the packed folder at `archivePath` into `app`.
    ///
    /// The first time as a deploy (a version is made), then always in place (`VFS.replaceLiveFiles`, no new version); then drops what is
    /// cached per version (the app's snapshot, every worker's contexts) so the next request or job
    /// runs the new files. Blocks; call it off the event loops. Throws the deploy's own errors (a bad
    /// `fazt.json`, a syntax error naming file:line), and then nothing has changed.
    public func sync(app: String, archivePath: String) throws -> SyncResult {
        let vfs = services.vfs
        let supervisor = services.supervisor
        let check: ([(path: String, source: String)]) throws -> Void = { scripts in
            try ScriptChecker.check(scripts, with: supervisor)
        }
        let live = (try? vfs.info(app: app))?.version
        let result: DeployResult
        if live == nil {
            result = try vfs.deploy(
                app: app,
                archivePath: archivePath,
                source: "dev",
                message: "fazt dev",
                checkScripts: check
            )
        } else {
            result = try vfs.replaceLiveFiles(app: app, archivePath: archivePath, checkScripts: check)
        }
        services.catalog.invalidate(app)
        services.scheduler.refresh(app: app)
        // Contexts are cached per version, and the version stayed the same: new workers load the new files.
        supervisor.retireAll()
        let summary = live == nil ? try? DeploySummary.build(result, services: services) : nil
        return SyncResult(version: result.version, files: result.files, created: live == nil, summary: summary)
    }

    /// Runs `job` of `app` now (a cron schedule's name or a job file) and returns the recorded
    /// run; throws `DevSessionError` with the reason (an unknown job lists the app's jobs).
    public func runJob(app: String, _ job: String) async throws -> RunBody {
        do {
            return try await ManualRun.run(app: app, target: job, services: services)
        } catch let error as APIError {
            throw DevSessionError(message: error.message)
        }
    }
}

/// Why `DevSession` could not do what was asked, in words for the terminal.
public struct DevSessionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

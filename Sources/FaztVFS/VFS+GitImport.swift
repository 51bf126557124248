import FaztGit
import FaztStore
import Foundation

extension VFS {
    /// Deploys the tree of `commit` (a commit fetched by `fazt git pull`) as the next live version of
    /// `app`, whose commit is `commit` itself: `main` moves to it (like a forced push when it does not
    /// descend from `main`), so a later push back is a fast-forward.
    ///
    /// It is a push to `main` made by the daemon (`applyGitPush`): `objects` are what the fetch
    /// brought, anything else must be reachable from the app's own refs, the files are validated like
    /// any deploy, and one transaction stores the history, creates the version and moves the pointer.
    public func deployGitCommit(
        app rawName: String,
        commit: GitObjectID,
        objects: [GitObject],
        checkScripts: (([(path: String, source: String)]) throws -> Void)? = nil
    ) throws -> DeployResult {
        let app = try AppName.validate(rawName)
        var fetched: [GitObjectID: GitObject] = [:]
        for object in objects { fetched[object.id] = object }
        let (visible, main) = try store.read { connection in
            (try GitObjectStore(connection, app: app).reachable(), try GitHistory.main(connection, app: app))
        }
        let result: GitPushResult
        do {
            result = try applyGitPush(
                app: app,
                update: GitRefUpdate(ref: GitHistory.mainRef, old: main, new: commit),
                objects: fetched,
                visible: visible,
                options: GitPushOptions(allowForce: true),
                checkScripts: checkScripts
            )
        } catch let rejection as GitPushRejection {
            let detail = rejection.detail.map { ": \($0)" } ?? ""
            throw VFSError(
                .badArchive,
                "commit \(commit.hex.prefix(12)) cannot be deployed: \(rejection.reason)\(detail)"
            )
        }
        guard let version = result.version,
            let row = try store.read({ connection in
                try connection.queryOne(
                    "SELECT files, bytes, manifest FROM versions WHERE app = ? AND n = ?",
                    [.text(app), .int(version)]
                ) { ($0.int(0), $0.int(1), $0.optionalString(2)) }
            })
        else { throw VFSError(.storage, "the pulled version of \(app) was not recorded") }
        return DeployResult(app: app, version: version, files: row.0, bytes: row.1, manifest: row.2)
    }

    /// A reader of the git objects `app` may see (reachable from its refs and versions' commits),
    /// for push and pull: objects are stored once for all apps, and one app must never reach
    /// another's by id (a remote could otherwise name them as `have`s or delta bases).
    public func gitObjects(app: String) throws -> @Sendable (GitObjectID) throws -> GitObject? {
        let visible = try store.read { try GitObjectStore($0, app: app).reachable() }
        let store = self.store
        return { id in
            guard visible.contains(id) else { return nil }
            return try store.read { try GitObjectStore($0, app: app).object(id) }
        }
    }
}

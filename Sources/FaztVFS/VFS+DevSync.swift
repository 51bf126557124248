import FaztStore

extension VFS {
    /// Replaces the files of `app`'s live version with the archive's, in place: `fazt dev` keeps
    /// one version and re-syncs the folder into it on every save, so no edit makes a version.
    ///
    /// The one deliberate exception to "a version is immutable", for development only: everything
    /// else of a deploy still holds (the same validation, `checkScripts`, blob import, the live-version
    /// hook that re-reads cron schedules, a rewritten git commit) and nothing changes unless every
    /// step succeeds. Caches keyed by content hash stay right (changed files have new hashes); the
    /// caller drops what is keyed by version (the app's snapshot, workers' contexts). Throws
    /// `notFound` when the app has no live version yet (deploy first).
    public func replaceLiveFiles(
        app rawName: String,
        archivePath: String,
        checkScripts: (([(path: String, source: String)]) throws -> Void)? = nil
    ) throws -> DeployResult {
        let app = try AppName.validate(rawName)
        let imported = try importArchive(archivePath, checkScripts: checkScripts)
        let (now, manifestText, total, files) = (imported.now, imported.manifestText, imported.total, imported.files)
        let version = try store.writeBlocking { connection -> Int in
            guard
                let live = try connection.queryOne(
                    "SELECT live_version FROM apps WHERE name = ?",
                    [.text(app)],
                    {
                        $0.optionalInt(0)
                    }
                ) ?? nil
            else {
                throw VFSError(.notFound, "app '\(app)' has no live version to update in place; deploy it first")
            }
            try connection.run("DELETE FROM files WHERE app = ? AND version = ?", [.text(app), .int(live)])
            try Self.insertFiles(connection, files, app: app, version: live, retry: "save again")
            try connection.run(
                "UPDATE versions SET files = ?, bytes = ?, manifest = ? WHERE app = ? AND n = ?",
                [.int(files.count), .int(total), .optionalText(manifestText), .text(app), .int(live)]
            )
            try connection.run("UPDATE apps SET updated_at = ? WHERE name = ?", [.integer(now), .text(app)])
            try GitHistory.rewriteVersion(connection, app: app, version: live)
            try self.liveVersionChanged?(connection, app, live, manifestText)
            return live
        }
        return imported.result(app: app, version: version)
    }
}

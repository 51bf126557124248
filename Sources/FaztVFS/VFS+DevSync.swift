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
        let importer = ArchiveImporter(archivePath: archivePath, limits: limits)
        let plan = try importer.validate()
        if let checkScripts, !plan.scripts.isEmpty { try checkScripts(plan.scripts) }
        let now = Self.now()
        let files = try importer.importBlobs(plan: plan, store: store, now: now)
        let manifestText = plan.manifest.map { String(decoding: $0, as: UTF8.self) }
        let total = files.reduce(0) { $0 + $1.size }
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
            for file in files {
                // A blob may have been collected after import checked it; refuse rather than dangle.
                guard
                    try connection.queryOne(
                        "SELECT 1 FROM blobs WHERE hash = ?",
                        [.blob(file.hash.bytes)],
                        { _ in true }
                    )
                        != nil
                else {
                    throw VFSError(.conflict, "content was removed by a concurrent cleanup; save again")
                }
                try connection.run(
                    "INSERT INTO files (app, version, path, blob, size, mime) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        .text(app), .int(live), .text(file.path), .blob(file.hash.bytes), .int(file.size),
                        .text(file.mime),
                    ]
                )
            }
            try connection.run(
                "UPDATE versions SET files = ?, bytes = ?, manifest = ? WHERE app = ? AND n = ?",
                [.int(files.count), .int(total), .optionalText(manifestText), .text(app), .int(live)]
            )
            try connection.run("UPDATE apps SET updated_at = ? WHERE name = ?", [.integer(now), .text(app)])
            try GitHistory.rewriteVersion(connection, app: app, version: live)
            try self.liveVersionChanged?(connection, app, live, manifestText)
            return live
        }
        return DeployResult(
            app: app,
            version: version,
            files: files.count,
            bytes: total,
            manifest: manifestText,
            skipped: plan.skipped
        )
    }
}

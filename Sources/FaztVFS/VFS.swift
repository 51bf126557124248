import FaztGit
import FaztStore
import Foundation
import Synchronization

/// Apps, their immutable versions and content-addressed blobs, all in `data.db`.
///
/// Every method blocks (SQLite and libarchive); call them off event loops.
public final class VFS: Sendable {
    let store: Store
    /// Limits applied to every deploy.
    public let limits: DeployLimits
    /// Runs inside the transaction that makes a version live (deploy, rollback).
    ///
    /// It gets the connection, app, version, and that version's `fazt.json` text (nil when it has none). Throwing undoes the
    /// change (a `VFSError` reaches the caller as is).
    public typealias LiveVersionHook = @Sendable (Connection, String, Int, String?) throws -> Void
    let liveVersionChanged: LiveVersionHook?
    let versionsPruned: VersionsPrunedHook?
    /// When pruning last triggered a collection (ms); see `collectAfterPruning`.
    let lastCollection = Mutex<Int64>(0)

    public init(
        store: Store,
        limits: DeployLimits = .init(),
        liveVersionChanged: LiveVersionHook? = nil,
        versionsPruned: VersionsPrunedHook? = nil
    ) {
        self.store = store
        self.limits = limits
        self.liveVersionChanged = liveVersionChanged
        self.versionsPruned = versionsPruned
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Deploys the archive at `archivePath` as the next version of `app` and makes it live;
    /// `checkScripts` may refuse the deploy after validation, before anything is stored.
    ///
    /// Nothing changes unless every step succeeds: validation stores nothing, blobs are only
    /// referenced by the final transaction that also moves the live pointer.
    public func deploy(
        app rawName: String,
        archivePath: String,
        source: String,
        message: String? = nil,
        checkScripts: (([(path: String, source: String)]) throws -> Void)? = nil
    ) throws -> DeployResult {
        let app = try AppName.validate(rawName)
        let imported = try importArchive(archivePath, checkScripts: checkScripts)
        let (now, manifestText, total) = (imported.now, imported.manifestText, imported.total)
        let (version, pruned) = try store.writeBlocking { connection -> (Int, [Int]) in
            try connection.run(
                "INSERT OR IGNORE INTO apps (name, live_version, created_at, updated_at) VALUES (?, NULL, ?, ?)",
                [.text(app), .integer(now), .integer(now)]
            )
            let parent =
                try connection.queryOne("SELECT live_version FROM apps WHERE name = ?", [.text(app)]) {
                    $0.optionalInt(0)
                } ?? nil
            let next =
                try connection.queryOne("SELECT COALESCE(MAX(n), 0) + 1 FROM versions WHERE app = ?", [.text(app)]) {
                    $0.int(0)
                } ?? 1
            try connection.run(
                """
                INSERT INTO versions (app, n, parent, message, source, files, bytes, manifest, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(app), .int(next), .optionalInt(parent), .optionalText(message), .text(source),
                    .int(imported.files.count), .int(total), .optionalText(manifestText), .integer(now),
                ]
            )
            try Self.insertFiles(connection, imported.files, app: app, version: next, retry: "deploy again")
            try connection.run(
                "UPDATE apps SET live_version = ?, updated_at = ? WHERE name = ?",
                [.int(next), .integer(now), .text(app)]
            )
            try GitHistory.recordVersion(connection, app: app, version: next, live: true)
            try Self.stampRestorePoint(connection, app: app, version: next)
            try self.liveVersionChanged?(connection, app, next, manifestText)
            let pruned = try self.pruneVersions(connection, app: app)
            return (next, pruned)
        }
        collectAfterPruning(pruned)
        return imported.result(app: app, version: version)
    }

    /// An archive validated, its handler code checked and its blobs stored: what a deploy or an
    /// in-place sync then records in one transaction.
    struct ImportedArchive {
        let files: [ImportedFile]
        let manifestText: String?
        let total: Int
        let skipped: [String]
        let now: Int64

        func result(app: String, version: Int) -> DeployResult {
            DeployResult(
                app: app,
                version: version,
                files: files.count,
                bytes: total,
                manifest: manifestText,
                skipped: skipped
            )
        }
    }

    /// Validates the archive, lets `checkScripts` refuse it (before anything is stored), then
    /// imports its blobs.
    func importArchive(
        _ archivePath: String,
        checkScripts: (([(path: String, source: String)]) throws -> Void)?
    ) throws -> ImportedArchive {
        let importer = ArchiveImporter(archivePath: archivePath, limits: limits)
        let plan = try importer.validate()
        // Handler code is checked before anything is stored (`api/**/*.js`).
        if let checkScripts, !plan.scripts.isEmpty { try checkScripts(plan.scripts) }
        let now = Self.now()
        let files = try importer.importBlobs(plan: plan, store: store, now: now)
        return ImportedArchive(
            files: files,
            manifestText: plan.manifest.map { String(decoding: $0, as: UTF8.self) },
            total: files.reduce(0) { $0 + $1.size },
            skipped: plan.skipped,
            now: now
        )
    }

    /// Adds `files` to version `version`; refuses (`retry` says what to do) when a blob was
    /// collected after the import checked it, rather than leave a file pointing at nothing.
    static func insertFiles(
        _ connection: Connection,
        _ files: [ImportedFile],
        app: String,
        version: Int,
        retry: String
    )
        throws
    {
        for file in files {
            guard
                try connection.queryOne("SELECT 1 FROM blobs WHERE hash = ?", [.blob(file.hash.bytes)], { _ in true })
                    != nil
            else {
                throw VFSError(.conflict, "content was removed by a concurrent cleanup; \(retry)")
            }
            try connection.run(
                "INSERT INTO files (app, version, path, blob, size, mime) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .text(app), .int(version), .text(file.path), .blob(file.hash.bytes), .int(file.size),
                    .text(file.mime),
                ]
            )
        }
    }

    /// Makes `version` live again and appends a commit with its files to `main`; one transaction, no copying.
    public func rollback(app rawName: String, to version: Int) throws -> AppInfo {
        let app = try AppName.validate(rawName)
        let now = Self.now()
        try store.writeBlocking { connection in
            guard try connection.queryOne("SELECT 1 FROM apps WHERE name = ?", [.text(app)], { _ in true }) != nil
            else {
                throw VFSError(.notFound, "no app named \"\(app)\" (see 'fazt apps')")
            }
            guard
                let manifest = try connection.queryOne(
                    "SELECT manifest FROM versions WHERE app = ? AND n = ?",
                    [.text(app), .int(version)],
                    { $0.optionalString(0) }
                )
            else {
                throw VFSError(.versionNotFound, "app '\(app)' has no version \(version)")
            }
            try connection.run(
                "UPDATE apps SET live_version = ?, updated_at = ? WHERE name = ?",
                [.int(version), .integer(now), .text(app)]
            )
            // The live pointer moves back; `main` moves forward (a new commit with that version's tree).
            try GitHistory.recordRollback(connection, app: app, to: version, seconds: now / 1000)
            try Self.stampRestorePoint(connection, app: app, version: version)
            try self.liveVersionChanged?(connection, app, version, manifest)
        }
        return try info(app: app)
    }

    /// Deletes an app with all its versions, then collects blobs nothing references any more.
    ///
    /// Deletes an app with every version; `alsoDelete` runs in the same transaction (the app's
    /// storage goes with it, or neither does).
    public func deleteApp(
        _ rawName: String,
        alsoDelete: @escaping @Sendable (Connection, String) throws -> Void = { _, _ in }
    ) throws {
        let app = try AppName.validate(rawName)
        let cutoff = Self.now() - 3_600_000
        try store.writeBlocking { connection in
            guard try connection.run("DELETE FROM apps WHERE name = ?", [.text(app)]) > 0 else {
                throw VFSError(.notFound, "no app named \"\(app)\" (see 'fazt apps')")
            }
            try alsoDelete(connection, app)
            _ = try Self.collectGarbage(connection, createdBefore: cutoff)
        }
    }

    /// Removes unreferenced blobs created before `cutoff` (ms) and git objects nothing reaches;
    /// returns how many blobs it removed.
    ///
    /// Recent blobs may belong to a deploy still in progress, hence the cutoff. A blob stays while a
    /// version's or draft's file uses it, or while a reachable tree names its git id (history that
    /// `main` still reaches, such as pruned versions' commits, keeps its content).
    @discardableResult
    public func collectGarbage(createdBefore cutoff: Int64) throws -> Int {
        try store.writeBlocking { try Self.collectGarbage($0, createdBefore: cutoff) }
    }

    static func collectGarbage(_ connection: Connection, createdBefore cutoff: Int64) throws -> Int {
        // One transaction: no deploy, draft commit or rollback can be between its steps meanwhile.
        let reachable = try GitHistory.reachable(connection)
        try GitHistory.collectObjects(connection, keeping: reachable)
        let candidates = try connection.query(
            """
            SELECT hash, git_oid FROM blobs WHERE created_at < ?
                AND NOT EXISTS (SELECT 1 FROM files WHERE files.blob = blobs.hash)
                AND NOT EXISTS (SELECT 1 FROM draft_files WHERE draft_files.blob = blobs.hash)
            """,
            [.integer(cutoff)]
        ) { ($0.bytes(0), $0.optionalBytes(1)) }
        var removed = 0
        for (hash, oid) in candidates {
            if let id = oid.flatMap({ GitObjectID(bytes: $0) }), reachable.blobs.contains(id) { continue }
            removed += try connection.run("DELETE FROM blobs WHERE hash = ?", [.blob(hash)])
        }
        // Transformed modules (ES modules, TypeScript) of sources no version or draft holds.
        _ = try connection.run(
            """
            DELETE FROM module_cache WHERE created_at < ?
                AND NOT EXISTS (SELECT 1 FROM files WHERE files.blob = module_cache.hash)
                AND NOT EXISTS (SELECT 1 FROM draft_files WHERE draft_files.blob = module_cache.hash)
            """,
            [.integer(cutoff)]
        )
        return removed
    }
}

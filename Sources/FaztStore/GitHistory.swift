import CSQLite
import FaztGit

/// Keeps each app's git history in step with its versions, inside the caller's transaction.
///
/// Every version is a commit whose tree is the version's files; `refs/heads/main` follows the
/// live version, and a rollback appends a commit instead of moving `main` back, so history is never
/// rewritten. Blobs are served from `blobs` by `git_oid`; trees and commits live in `git_objects`
/// (uncompressed bodies, without the `type size\0` header). It lives beside `KernelSchema` because
/// the migration that introduced it backfills existing versions with it.
public enum GitHistory {
    /// The ref that follows the live version.
    public static let mainRef = "refs/heads/main"

    /// Writes version `version`'s commit (parent: the current `main`), stores its id on the version
    /// row, and moves `main` to it when `live`.
    @discardableResult
    public static func recordVersion(
        _ connection: Connection,
        app: String,
        version: Int,
        live: Bool
    ) throws
        -> GitObjectID
    {
        let parent = try main(connection, app: app)
        let commit = try writeVersionCommit(connection, app: app, version: version, parents: parent.map { [$0] } ?? [])
        if live { try setMain(connection, app: app, to: commit) }
        return commit
    }

    /// Appends to `main` a commit whose tree is version `version`'s (a rollback made at `seconds`).
    @discardableResult
    public static func recordRollback(
        _ connection: Connection,
        app: String,
        to version: Int,
        seconds: Int64
    ) throws
        -> GitObjectID
    {
        let tree = try writeTree(connection, app: app, version: version)
        let parent = try main(connection, app: app)
        let commit = GitObject.commit(
            tree: tree,
            parents: parent.map { [$0] } ?? [],
            seconds: seconds,
            message: "Roll back to version \(version)\n\nFazt-Version: \(version)\nFazt-Rollback: true\n"
        )
        try insert(connection, commit)
        try setMain(connection, app: app, to: commit.id)
        return commit.id
    }

    /// The commit `refs/heads/main` of `app` points at, if any.
    public static func main(_ connection: Connection, app: String) throws -> GitObjectID? {
        try connection.queryOne(
            "SELECT oid FROM git_refs WHERE app = ? AND name = ?",
            [.text(app), .text(mainRef)]
        ) { GitObjectID(bytes: $0.bytes(0)) } ?? nil
    }

    static func setMain(_ connection: Connection, app: String, to commit: GitObjectID) throws {
        try connection.run(
            """
            INSERT INTO git_refs (app, name, oid) VALUES (?, ?, ?)
            ON CONFLICT (app, name) DO UPDATE SET oid = excluded.oid
            """,
            [.text(app), .text(mainRef), .blob(commit.bytes)]
        )
    }

    /// Stores `object` unless an identical one (same id) is already there.
    static func insert(_ connection: Connection, _ object: GitObject) throws {
        try connection.run(
            "INSERT OR IGNORE INTO git_objects (oid, type, size, data) VALUES (?, ?, ?, ?)",
            [.blob(object.id.bytes), .text(object.type.rawValue), .int(object.body.count), .blob(object.body)]
        )
    }

    /// Writes the trees of version `version` and returns the root tree's id.
    static func writeTree(_ connection: Connection, app: String, version: Int) throws -> GitObjectID {
        let rows = try connection.query(
            """
            SELECT f.path, b.id, b.git_oid FROM files f LEFT JOIN blobs b ON b.hash = f.blob
            WHERE f.app = ? AND f.version = ?
            """,
            [.text(app), .int(version)]
        ) { ($0.string(0), $0.optionalInt(1), $0.optionalBytes(2)) }
        var files: [GitTree.File] = []
        files.reserveCapacity(rows.count)
        for (path, rowID, oid) in rows {
            guard let rowID else {
                throw StoreError(
                    code: .sqlite(SQLITE_CONSTRAINT),
                    message: "file '\(path)' of \(app) version \(version) has no stored content"
                )
            }
            let blob = try oid.flatMap { GitObjectID(bytes: $0) } ?? fillBlobID(connection, rowID: rowID)
            files.append(GitTree.File(path: path, blob: blob))
        }
        let result = GitTree.build(files)
        for tree in result.trees { try insert(connection, tree) }
        return result.root
    }

    /// Computes and stores the git id of the blob in row `rowID` (for rows written without one).
    @discardableResult
    static func fillBlobID(_ connection: Connection, rowID: Int) throws -> GitObjectID {
        let data = try connection.queryOne("SELECT data FROM blobs WHERE id = ?", [.int(rowID)]) { $0.bytes(0) } ?? []
        let oid = GitObjectID(type: .blob, body: data)
        try connection.run("UPDATE blobs SET git_oid = ? WHERE id = ?", [.blob(oid.bytes), .int(rowID)])
        return oid
    }

    static func writeVersionCommit(
        _ connection: Connection,
        app: String,
        version: Int,
        parents: [GitObjectID]
    ) throws -> GitObjectID {
        guard
            let (message, source, createdAt) = try connection.queryOne(
                "SELECT message, source, created_at FROM versions WHERE app = ? AND n = ?",
                [.text(app), .int(version)],
                { ($0.optionalString(0), $0.string(1), $0.int64(2)) }
            )
        else {
            throw StoreError(code: .sqlite(SQLITE_NOTFOUND), message: "\(app) has no version \(version)")
        }
        let tree = try writeTree(connection, app: app, version: version)
        let subject = message.flatMap { $0.isEmpty ? nil : $0 } ?? "Version \(version)"
        let commit = GitObject.commit(
            tree: tree,
            parents: parents,
            seconds: createdAt / 1000,
            message: "\(subject)\n\nFazt-Version: \(version)\nFazt-Source: \(source)\n"
        )
        try insert(connection, commit)
        try connection.run(
            "UPDATE versions SET commit_oid = ? WHERE app = ? AND n = ?",
            [.blob(commit.id.bytes), .text(app), .int(version)]
        )
        return commit.id
    }

    /// Gives existing data its git history (migration 11): a git id for every blob, then per app a
    /// commit for each version in version order (each the parent of the next), and `main` on the
    /// newest one, or, when an older version is live, on a rollback commit to it on top.
    static func backfill(_ connection: Connection) throws {
        // In small batches, so a large database is never read into memory at once.
        while true {
            let ids = try connection.query("SELECT id FROM blobs WHERE git_oid IS NULL LIMIT 64") { $0.int(0) }
            if ids.isEmpty { break }
            for id in ids { try fillBlobID(connection, rowID: id) }
        }
        let apps = try connection.query("SELECT name, live_version, updated_at FROM apps ORDER BY name") {
            ($0.string(0), $0.optionalInt(1), $0.int64(2))
        }
        for (app, live, updatedAt) in apps {
            let versions = try connection.query(
                "SELECT n FROM versions WHERE app = ? ORDER BY n",
                [.text(app)]
            ) { $0.int(0) }
            var head: GitObjectID?
            for version in versions {
                head = try writeVersionCommit(connection, app: app, version: version, parents: head.map { [$0] } ?? [])
            }
            guard let head else { continue }
            try setMain(connection, app: app, to: head)
            if let live, live != versions.last, versions.contains(live) {
                try recordRollback(connection, app: app, to: live, seconds: updatedAt / 1000)
            }
        }
    }
}

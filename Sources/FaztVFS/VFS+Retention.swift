import FaztStore

extension VFS {
    /// Runs in the transaction that prunes versions: gets the connection, app and the pruned version
    /// numbers (the server deletes their preview storage namespaces `<app>--v<N>` with it).
    public typealias VersionsPrunedHook = @Sendable (Connection, String, [Int]) throws -> Void

    /// Deletes `app`'s versions beyond the newest `keep`, with their files, except the live version,
    /// any version a draft is based on and tagged versions; returns the pruned numbers (oldest first).
    ///
    /// Runs inside the transaction that created the newest version. Their commits stay in `git_objects`
    /// while `main`'s history reaches them (history is never rewritten), and so does their content.
    static func pruneVersions(
        _ connection: Connection,
        app: String,
        keep: Int,
        hook: VersionsPrunedHook?
    ) throws -> [Int] {
        let pruned = try connection.query(
            """
            SELECT n FROM versions WHERE app = ?1
                AND n NOT IN (SELECT n FROM versions WHERE app = ?1 ORDER BY n DESC LIMIT ?2)
                AND n IS NOT (SELECT live_version FROM apps WHERE name = ?1)
                AND n NOT IN (SELECT base FROM drafts WHERE app = ?1 AND base IS NOT NULL)
                AND (commit_oid IS NULL OR commit_oid NOT IN
                    (SELECT oid FROM git_refs WHERE app = ?1 AND name GLOB 'refs/tags/*'))
            ORDER BY n
            """,
            [.text(app), .int(max(1, keep))]
        ) { $0.int(0) }
        guard !pruned.isEmpty else { return [] }
        for version in pruned {
            try connection.run("DELETE FROM files WHERE app = ? AND version = ?", [.text(app), .int(version)])
            try connection.run("DELETE FROM versions WHERE app = ? AND n = ?", [.text(app), .int(version)])
        }
        try hook?(connection, app, pruned)
        return pruned
    }

    /// Prunes `app` to the server's `keepVersions`, calling the pruned-versions hook.
    func pruneVersions(_ connection: Connection, app: String) throws -> [Int] {
        try Self.pruneVersions(connection, app: app, keep: limits.keepVersions, hook: versionsPruned)
    }

    /// After versions were pruned, collects what they alone used, in its own transaction.
    ///
    /// Blobs younger than an hour stay (they may belong to a deploy in progress). Failure is harmless
    /// (the next collection catches up), so it is not reported to the deploy that triggered it.
    ///
    /// At most once per `collectionInterval`: a collection walks every app's history inside the one
    /// writer's transaction, and an app past its limit prunes on every deploy.
    func collectAfterPruning(_ pruned: [Int]) {
        guard !pruned.isEmpty else { return }
        let now = Self.now()
        let due = lastCollection.withLock { last -> Bool in
            guard now - last >= Self.collectionInterval else { return false }
            last = now
            return true
        }
        guard due else { return }
        _ = try? collectGarbage(createdBefore: now - 3_600_000)
    }

    /// The shortest time between two collections that pruning triggers, in ms.
    static let collectionInterval: Int64 = 600_000
}

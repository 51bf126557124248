import FaztStore

extension VFS {
    /// What a commit read before validating, checked again inside the final transaction.
    private struct CommitPlan {
        var base: Int?
        var revision: Int
        var live: Int?
        var files: [String: FileEntry]
        /// The new version's parent: the live version when the draft was rebased onto it, else the base.
        var parent: Int?
    }

    /// Commits draft `draft` of `app` as a new version whose parent is the draft's base.
    ///
    /// When the app moved on since the draft began and the caller names the live version as
    /// `expectedParent`, the draft's changes are applied on top of the live version instead (a
    /// rebase), unless the live version changed one of the same paths since the base: that is a
    /// conflict naming the paths. With `force` the draft (base plus changes) replaces the live version.
    ///
    /// The full file set (base plus the draft's writes and deletions) is validated like a deploy
    /// (limits, `fazt.json`, `api/**/*.js` through `checkScripts`) before anything is stored;
    /// one transaction then creates the version, moves the live pointer unless `options.deploy`
    /// is false, and removes the draft. A failure changes nothing: the live version and the draft stay.
    public func commitDraft(
        app rawApp: String,
        draft rawDraft: String,
        options: DraftCommitOptions,
        checkScripts: (([(path: String, source: String)]) throws -> Void)? = nil
    ) throws -> DraftCommitResult {
        let app = try AppName.validate(rawApp)
        let draft = try DraftName.validate(rawDraft)
        let plan = try store.read { connection in
            let live = try Self.requireApp(connection, app)
            guard let row = try Self.draftRow(connection, app: app, name: draft) else {
                throw Self.unknownDraft(draft, app: app)
            }
            var files: [String: FileEntry] = [:]
            var parent = row.base
            if let base = row.base {
                let exists = try connection.queryOne(
                    "SELECT 1 FROM versions WHERE app = ? AND n = ?",
                    [.text(app), .int(base)],
                    { _ in true }
                )
                guard exists != nil else {
                    throw VFSError(
                        .conflict,
                        "draft '\(draft)' is based on version \(base), which no longer exists; discard it "
                            + "('fazt draft discard \(app) \(draft)') and write your changes again"
                    )
                }
                files = try Self.versionFiles(connection, app: app, version: base)
            }
            let entries = try Self.entries(connection, app: app, draft: draft)
            if let live, row.base != live, options.expectedParent == live, !options.force {
                // Rebase: the draft's changes on top of what is live now, if nobody else touched them.
                let current = try Self.versionFiles(connection, app: app, version: live)
                let clashes = entries.map(\.path).filter { files[$0]?.hash != current[$0]?.hash }
                guard clashes.isEmpty else {
                    let base = row.base.map(String.init) ?? "none"
                    throw VFSError(
                        .conflict,
                        "version \(live) changed \(clashes.prefix(5).joined(separator: ", ")) since draft '\(draft)' "
                            + "began on version \(base); write those files again on top of version \(live) "
                            + "(fazt draft write), or commit with \"force\": true to replace version \(live) with the draft"
                    )
                }
                files = current
                parent = live
            }
            for entry in entries {
                if let hash = entry.hash {
                    let mime = entry.mime ?? MIMEType.forPath(entry.path)
                    files[entry.path] = FileEntry(hash: hash, size: entry.size, mime: mime)
                } else {
                    files[entry.path] = nil
                }
            }
            return CommitPlan(base: row.base, revision: row.revision, live: live, files: files, parent: parent)
        }
        try Self.checkParent(plan, app: app, draft: draft, options: options)
        let manifest = try validate(plan.files, checkScripts: checkScripts)
        let total = plan.files.values.reduce(0) { $0 + $1.size }
        let now = Self.now()
        let (version, pruned) = try store.writeBlocking { connection -> (Int, [Int]) in
            let live = try Self.requireApp(connection, app)
            guard let row = try Self.draftRow(connection, app: app, name: draft) else {
                throw Self.unknownDraft(draft, app: app)
            }
            guard row.revision == plan.revision else {
                throw VFSError(.conflict, "draft '\(draft)' changed while it was being committed; commit again")
            }
            var current = plan
            current.live = live
            try Self.checkParent(current, app: app, draft: draft, options: options)
            let next =
                try connection.queryOne("SELECT COALESCE(MAX(n), 0) + 1 FROM versions WHERE app = ?", [.text(app)]) {
                    $0.int(0)
                } ?? 1
            try connection.run(
                """
                INSERT INTO versions (app, n, parent, message, source, files, bytes, manifest, created_at)
                VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?)
                """,
                [
                    .text(app), .int(next), .optionalInt(plan.parent), .optionalText(options.message),
                    .int(plan.files.count), .int(total), .optionalText(manifest), .integer(now),
                ]
            )
            for (path, file) in plan.files.sorted(by: { $0.key < $1.key }) {
                try connection.run(
                    "INSERT INTO files (app, version, path, blob, size, mime) VALUES (?, ?, ?, ?, ?, ?)",
                    [.text(app), .int(next), .text(path), .blob(file.hash.bytes), .int(file.size), .text(file.mime)]
                )
            }
            try GitHistory.recordVersion(connection, app: app, version: next, live: options.deploy)
            if options.deploy {
                try connection.run(
                    "UPDATE apps SET live_version = ?, updated_at = ? WHERE name = ?",
                    [.int(next), .integer(now), .text(app)]
                )
                try Self.stampRestorePoint(connection, app: app, version: next)
                try self.liveVersionChanged?(connection, app, next, manifest)
            }
            try connection.run("DELETE FROM drafts WHERE app = ? AND name = ?", [.text(app), .text(draft)])
            let pruned = try self.pruneVersions(connection, app: app)
            return (next, pruned)
        }
        collectAfterPruning(pruned)
        let result = DeployResult(app: app, version: version, files: plan.files.count, bytes: total, manifest: manifest)
        return DraftCommitResult(result: result, live: options.deploy)
    }

    /// Refuses a commit whose caller or draft has not seen the live version.
    private static func checkParent(
        _ plan: CommitPlan,
        app: String,
        draft: String,
        options: DraftCommitOptions
    )
        throws
    {
        let live = plan.live.map(String.init) ?? "none"
        if let expected = options.expectedParent {
            guard expected == plan.live else {
                throw VFSError(
                    .conflict,
                    "app '\(app)' is live at version \(live), not \(expected) (expectedParent): it moved on; "
                        + "look at version \(live), then rebase: discard the draft ('fazt draft discard \(app) \(draft)') "
                        + "and write your changes again on top of it"
                )
            }
            return
        }
        guard plan.base == plan.live || options.force else {
            let base = plan.base.map(String.init) ?? "none"
            throw VFSError(
                .conflict,
                "draft '\(draft)' is based on version \(base) but app '\(app)' is live at version \(live): "
                    + "it moved on; rebase: discard the draft ('fazt draft discard \(app) \(draft)') and write your "
                    + "changes again, or commit with \"force\": true (--force) to replace version \(live) with the draft"
            )
        }
    }

    /// The files of one version by path.
    private static func versionFiles(_ connection: Connection, app: String, version: Int) throws -> [String: FileEntry]
    {
        let rows = try connection.query(
            "SELECT path, blob, size, mime FROM files WHERE app = ? AND version = ?",
            [.text(app), .int(version)]
        ) {
            ($0.string(0), FileEntry(hash: ContentHash(bytes: $0.bytes(1)), size: $0.int(2), mime: $0.string(3)))
        }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// Checks the file set like a deploy does; returns the `fazt.json` text (nil when there is none).
    private func validate(
        _ files: [String: FileEntry],
        checkScripts: (([(path: String, source: String)]) throws -> Void)?
    ) throws -> String? {
        guard !files.isEmpty else {
            throw VFSError(.badArchive, "the draft leaves the app with no files; write one with 'fazt draft write'")
        }
        if files.count > limits.maxEntries {
            throw VFSError(.tooLarge, "the draft has more than \(limits.maxEntries) files")
        }
        let total = files.values.reduce(0) { $0 + $1.size }
        if total > limits.maxExpandedBytes {
            throw VFSError(.tooLarge, "the draft's files add up to more than \(limits.maxExpandedBytes / 1_048_576) MB")
        }
        var manifest: String?
        if let entry = files["fazt.json"] {
            let bytes = try blob(entry.hash)?.data ?? []
            _ = try Manifest.parse(bytes)
            manifest = String(decoding: bytes, as: UTF8.self)
        }
        let scripts = try files.sorted { $0.key < $1.key }
            .filter { $0.key.hasPrefix("api/") && ScriptFile.isModule($0.key) }
            .map { path, file in
                (path: path, source: String(decoding: try blob(file.hash)?.data ?? [], as: UTF8.self))
            }
        if let checkScripts, !scripts.isEmpty { try checkScripts(scripts) }
        return manifest
    }
}

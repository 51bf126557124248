import FaztGit
import FaztStore

extension VFS {
    /// Applies one ref update of a push to `app` as a validated, atomic deploy.
    ///
    /// `objects` are the pack's objects; `visible` is what the app could already see (its reachable
    /// set): the pushed graph must be complete from these two alone, so nobody can name another
    /// app's object by id. A push to `main` becomes the live version, another branch a preview
    /// version (not live); the version's commit is the pushed commit itself. The files are checked
    /// like an archive (paths, modes, limits, `fazt.json`, `api/**/*.js` through `checkScripts`)
    /// before anything is stored; one transaction then compares-and-swaps the ref, stores the trees
    /// and commits, creates the version and moves the live pointer. Any refusal throws a `GitPushRejection`.
    public func applyGitPush(
        app rawApp: String,
        update: GitRefUpdate,
        objects: [GitObjectID: GitObject],
        visible: GitWalk.Result,
        options: GitPushOptions,
        checkScripts: (([(path: String, source: String)]) throws -> Void)? = nil
    ) throws -> GitPushResult {
        let app: String
        do { app = try AppName.validate(rawApp) } catch { throw GitPushRejection("\(error)") }
        guard update.ref.hasPrefix("refs/heads/"), Self.isBranchName(String(update.ref.dropFirst(11))) else {
            throw GitPushRejection("funny refname", detail: "fazt accepts branches (refs/heads/<name>) only")
        }
        guard let new = update.new else { return try deleteGitRef(app: app, update: update) }
        let (commit, files, manifest) = try store.read { connection in
            // One read transaction for the whole check: every object lookup below is a query on it.
            let stored = GitObjectStore(connection, app: app)
            let load = { (id: GitObjectID) throws -> GitObject? in
                if let object = objects[id] { return object }
                return visible.contains(id) ? try stored.object(id) : nil
            }
            guard let commit = try load(new), commit.type == .commit else {
                throw GitPushRejection("missing necessary objects", detail: "\(new.hex) is not a commit in the push")
            }
            let walk = try GitWalk.reachable(from: [new], exclude: visible.objects, load: load)
            let missingBlobs = walk.blobs.filter { objects[$0] == nil && !visible.blobs.contains($0) }
            if let missing = walk.missing.first ?? missingBlobs.first {
                throw GitPushRejection("missing necessary objects", detail: "the push lacks object \(missing.hex)")
            }
            let current = try Self.gitRef(connection, app: app, name: update.ref)
            guard current == update.old else {
                throw GitPushRejection(
                    "failed to update ref",
                    detail: "\(update.ref) moved meanwhile; fetch, then push again"
                )
            }
            if let current, !options.allowForce, try !GitWalk.isAncestor(current, of: new, load: load) {
                throw GitPushRejection(
                    "non-fast-forward",
                    detail:
                        "the push would drop commits of \(update.ref); pull first (force pushes need fazt serve --git-allow-force)"
                )
            }
            let info = try GitCommitInfo.parse(commit.body)
            let files = try gitFiles(
                tree: info.tree,
                load: load,
                pack: objects,
                visibleBlobs: visible.blobs,
                stored: { try stored.blobInfo($0) }
            )
            let manifest = try checkGitFiles(files, load: load, checkScripts: checkScripts)
            return (commit, files, manifest)
        }
        let live = update.ref == GitHistory.mainRef
        let now = Self.now()
        var batch = BlobBatch()
        for file in files {
            if let data = file.data { batch.add(hash: file.hash, data: data, mime: file.mime) }
        }
        // Blobs of the pushed history that the tip no longer has (an earlier commit's version of a
        // file) are stored too, or a later clone of that history would miss them. A reachable tree
        // names them, so the collector keeps them.
        for object in objects.values where object.type == .blob {
            batch.add(hash: ContentHash(of: object.body), data: object.body, mime: "application/octet-stream")
        }
        try batch.flush(store: store, now: now)
        let stored = objects.values.filter { $0.type != .blob }
        let subject = GitCommitInfo.message(commit.body).split(separator: "\n").first.map(String.init)
        let rows = files.map { [SQLiteValue.text($0.path), .blob($0.hash.bytes), .int($0.size), .text($0.mime)] }
        let total = files.reduce(0) { $0 + $1.size }
        let (version, pruned) = try store.writeBlocking { connection -> (Int, [Int]) in
            try connection.run(
                "INSERT OR IGNORE INTO apps (name, live_version, created_at, updated_at) VALUES (?, NULL, ?, ?)",
                [.text(app), .integer(now), .integer(now)]
            )
            guard try Self.gitRef(connection, app: app, name: update.ref) == update.old else {
                throw GitPushRejection(
                    "failed to update ref",
                    detail: "\(update.ref) moved meanwhile; fetch, then push again"
                )
            }
            for object in stored {
                try connection.run(
                    "INSERT OR IGNORE INTO git_objects (oid, type, size, data) VALUES (?, ?, ?, ?)",
                    [.blob(object.id.bytes), .text(object.type.rawValue), .int(object.body.count), .blob(object.body)]
                )
            }
            let parent =
                try connection.queryOne("SELECT live_version FROM apps WHERE name = ?", [.text(app)]) {
                    $0.optionalInt(0)
                } ?? nil
            let next =
                try connection.queryOne(
                    "SELECT COALESCE(MAX(n), 0) + 1 FROM versions WHERE app = ?",
                    [.text(app)]
                ) { $0.int(0) } ?? 1
            try connection.run(
                """
                INSERT INTO versions (app, n, parent, message, source, files, bytes, manifest, created_at, commit_oid)
                VALUES (?, ?, ?, ?, 'git', ?, ?, ?, ?, ?)
                """,
                [
                    .text(app), .int(next), .optionalInt(parent), .optionalText(subject), .int(rows.count),
                    .int(total), .optionalText(manifest), .integer(now), .blob(new.bytes),
                ]
            )
            for row in rows {
                guard try connection.queryOne("SELECT 1 FROM blobs WHERE hash = ?", [row[1]], { _ in true }) != nil
                else {
                    throw GitPushRejection(
                        "failed to update ref",
                        detail: "content was removed by a concurrent cleanup; push again"
                    )
                }
                try connection.run(
                    "INSERT INTO files (app, version, path, blob, size, mime) VALUES (?, ?, ?, ?, ?, ?)",
                    [.text(app), .int(next), row[0], row[1], row[2], row[3]]
                )
            }
            try connection.run(
                """
                INSERT INTO git_refs (app, name, oid) VALUES (?, ?, ?)
                ON CONFLICT (app, name) DO UPDATE SET oid = excluded.oid
                """,
                [.text(app), .text(update.ref), .blob(new.bytes)]
            )
            if live {
                try connection.run(
                    "UPDATE apps SET live_version = ?, updated_at = ? WHERE name = ?",
                    [.int(next), .integer(now), .text(app)]
                )
                try Self.stampRestorePoint(connection, app: app, version: next)
                try self.liveVersionChanged?(connection, app, next, manifest)
            }
            return (next, try self.pruneVersions(connection, app: app))
        }
        collectAfterPruning(pruned)
        return GitPushResult(version: version, live: live)
    }

    private func deleteGitRef(app: String, update: GitRefUpdate) throws -> GitPushResult {
        guard update.ref != GitHistory.mainRef else {
            throw GitPushRejection("deletion of the current branch prohibited")
        }
        try store.writeBlocking { connection in
            let current = try Self.gitRef(connection, app: app, name: update.ref)
            guard current == update.old else {
                throw GitPushRejection(
                    "failed to update ref",
                    detail: "\(update.ref) moved meanwhile; fetch, then push again"
                )
            }
            try connection.run("DELETE FROM git_refs WHERE app = ? AND name = ?", [.text(app), .text(update.ref)])
        }
        return GitPushResult(version: nil, live: false)
    }

    static func gitRef(_ connection: Connection, app: String, name: String) throws -> GitObjectID? {
        try connection.queryOne("SELECT oid FROM git_refs WHERE app = ? AND name = ?", [.text(app), .text(name)]) {
            GitObjectID(bytes: $0.bytes(0))
        } ?? nil
    }

    /// Branch names git itself would accept, kept to a safe subset (letters, digits, `._-/`, no `..`).
    static func isBranchName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 200, !name.hasPrefix("/"), !name.hasSuffix("/"),
            !name.hasPrefix("-"), !name.contains(".."), !name.contains("//"), !name.hasSuffix(".lock")
        else { return false }
        return name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"),
                UInt8(ascii: "/"):
                true
            default: false
            }
        }
    }
}

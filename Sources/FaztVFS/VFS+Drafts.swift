import FaztGit
import FaztStore

/// Drafts: named, mutable working sets of file changes on top of a base version.
///
/// A draft stores only what it changes (`draft_files`: path → blob, or NULL for a deletion);
/// its content lives in the same content-addressed `blobs` table as versions, so bytes are
/// stored once and blob collection keeps whatever a draft still references.
extension VFS {
    /// One row of `draft_files`: a blob hash, or nil for a deletion.
    struct DraftEntry {
        var path: String
        var hash: ContentHash?
        var size: Int
        var mime: String?
    }

    static func unknownDraft(_ name: String, app: String) -> VFSError {
        VFSError(.notFound, "app '\(app)' has no draft named '\(name)' (see 'fazt draft list \(app)')")
    }

    static func requireApp(_ connection: Connection, _ app: String) throws -> Int? {
        guard
            let live = try connection.queryOne(
                "SELECT live_version FROM apps WHERE name = ?",
                [.text(app)],
                { $0.optionalInt(0) }
            )
        else { throw VFSError(.notFound, "no app named \"\(app)\" (see 'fazt apps'; deploy it first)") }
        return live
    }

    static func entries(_ connection: Connection, app: String, draft: String) throws -> [DraftEntry] {
        try connection.query(
            "SELECT path, blob, size, mime FROM draft_files WHERE app = ? AND draft = ? ORDER BY path",
            [.text(app), .text(draft)]
        ) { row in
            DraftEntry(
                path: row.string(0),
                hash: row.optionalBytes(1).map(ContentHash.init(bytes:)),
                size: row.int(2),
                mime: row.optionalString(3)
            )
        }
    }

    static func baseFile(_ connection: Connection, app: String, version: Int?, path: String) throws -> FileEntry? {
        guard let version else { return nil }
        return try connection.queryOne(
            "SELECT blob, size, mime FROM files WHERE app = ? AND version = ? AND path = ?",
            [.text(app), .int(version), .text(path)]
        ) { FileEntry(hash: ContentHash(bytes: $0.bytes(0)), size: $0.int(1), mime: $0.string(2)) }
    }

    /// The draft's row (base, revision, times), or nil.
    static func draftRow(
        _ connection: Connection,
        app: String,
        name: String
    ) throws -> (base: Int?, revision: Int, createdAt: Int64, updatedAt: Int64)? {
        try connection.queryOne(
            "SELECT base, revision, created_at, updated_at FROM drafts WHERE app = ? AND name = ?",
            [.text(app), .text(name)]
        ) { ($0.optionalInt(0), $0.int(1), $0.int64(2), $0.int64(3)) }
    }

    /// Opens the draft for a change: creates it on top of the live version if needed, bumps its revision.
    private static func touchDraft(_ connection: Connection, app: String, name: String, now: Int64) throws -> Int? {
        let live = try requireApp(connection, app)
        if let row = try draftRow(connection, app: app, name: name) {
            try connection.run(
                "UPDATE drafts SET revision = revision + 1, updated_at = ? WHERE app = ? AND name = ?",
                [.integer(now), .text(app), .text(name)]
            )
            return row.base
        }
        try connection.run(
            "INSERT INTO drafts (app, name, base, revision, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
            [.text(app), .text(name), .optionalInt(live), .integer(now), .integer(now)]
        )
        return live
    }

    /// Whether `path` exists as the draft sees it (its own entry first, then the base).
    private static func exists(
        _ connection: Connection,
        app: String,
        draft: String,
        base: Int?,
        path: String
    ) throws
        -> (exists: Bool, inBase: Bool)
    {
        let inBase = try baseFile(connection, app: app, version: base, path: path) != nil
        let entry = try connection.queryOne(
            "SELECT blob IS NOT NULL FROM draft_files WHERE app = ? AND draft = ? AND path = ?",
            [.text(app), .text(draft), .text(path)]
        ) { $0.int(0) != 0 }
        return (entry ?? inBase, inBase)
    }

    /// Writes `data` at `path` in draft `draft` of `app`, creating the draft on top of the live version.
    public func writeDraftFile(
        app rawApp: String,
        draft rawDraft: String,
        path rawPath: String,
        data: [UInt8]
    )
        throws -> DraftWrite
    {
        let app = try AppName.validate(rawApp)
        let draft = try DraftName.validate(rawDraft)
        let path = try DraftName.path(rawPath, limits: limits)
        guard data.count <= limits.maxFileBytes else {
            throw VFSError(
                .tooLarge,
                "'\(path)' is larger than the \(limits.maxFileBytes / 1_048_576) MB per-file limit"
                    + " (fazt serve --max-file-mb raises it)"
            )
        }
        let hash = ContentHash(of: data)
        let mime = MIMEType.forPath(path)
        // Compress outside the write transaction, and only for content not stored yet.
        let known = try store.read {
            try $0.queryOne("SELECT 1 FROM blobs WHERE hash = ?", [.blob(hash.bytes)]) { _ in true }
        }
        let gzip = known == nil && MIMEType.isCompressible(mime) && data.count >= 256 ? Gzip.compress(data) : nil
        let gitID = GitObjectID(type: .blob, body: data)
        let now = Self.now()
        return try store.writeBlocking { connection in
            let base = try Self.touchDraft(connection, app: app, name: draft, now: now)
            let before = try Self.exists(connection, app: app, draft: draft, base: base, path: path)
            try connection.run(
                """
                INSERT OR IGNORE INTO blobs (hash, size, data, gzip, created_at, git_oid) VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    .blob(hash.bytes), .int(data.count), .blob(data), gzip.map { .blob($0) } ?? .null, .integer(now),
                    .blob(gitID.bytes),
                ]
            )
            try connection.run(
                """
                INSERT INTO draft_files (app, draft, path, blob, size, mime, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (app, draft, path) DO UPDATE SET
                    blob = excluded.blob, size = excluded.size, mime = excluded.mime, updated_at = excluded.updated_at
                """,
                [
                    .text(app), .text(draft), .text(path), .blob(hash.bytes), .int(data.count), .text(mime),
                    .integer(now),
                ]
            )
            return DraftWrite(app: app, draft: draft, path: path, size: data.count, base: base, created: !before.exists)
        }
    }

    /// Deletes `path` as draft `draft` sees it; throws `notFound` when the draft has no such file.
    public func deleteDraftFile(app rawApp: String, draft rawDraft: String, path rawPath: String) throws -> DraftWrite {
        let app = try AppName.validate(rawApp)
        let draft = try DraftName.validate(rawDraft)
        let path = try DraftName.path(rawPath, limits: limits)
        let now = Self.now()
        return try store.writeBlocking { connection in
            let base = try Self.touchDraft(connection, app: app, name: draft, now: now)
            let before = try Self.exists(connection, app: app, draft: draft, base: base, path: path)
            guard before.exists else {
                // Throwing rolls back a draft this call would have created.
                throw VFSError(
                    .notFound,
                    "draft '\(draft)' of app '\(app)' has no file '\(path)' (see 'fazt draft status \(app) \(draft)')"
                )
            }
            if before.inBase {
                try connection.run(
                    """
                    INSERT INTO draft_files (app, draft, path, blob, size, mime, updated_at)
                    VALUES (?, ?, ?, NULL, 0, NULL, ?)
                    ON CONFLICT (app, draft, path) DO UPDATE SET
                        blob = NULL, size = 0, mime = NULL, updated_at = excluded.updated_at
                    """,
                    [.text(app), .text(draft), .text(path), .integer(now)]
                )
            } else {
                try connection.run(
                    "DELETE FROM draft_files WHERE app = ? AND draft = ? AND path = ?",
                    [.text(app), .text(draft), .text(path)]
                )
            }
            return DraftWrite(app: app, draft: draft, path: path, size: 0, base: base, created: false)
        }
    }

    /// A draft with its changes against its base; throws `notFound` naming `fazt draft list`.
    public func draft(app rawApp: String, name rawName: String) throws -> DraftInfo {
        let app = try AppName.validate(rawApp)
        let name = try DraftName.validate(rawName)
        return try store.read { connection in
            let live = try Self.requireApp(connection, app)
            guard let info = try Self.draftInfo(connection, app: app, name: name, live: live) else {
                throw Self.unknownDraft(name, app: app)
            }
            return info
        }
    }

    /// All drafts of `app`, by name.
    public func drafts(app rawApp: String) throws -> [DraftInfo] {
        let app = try AppName.validate(rawApp)
        return try store.read { connection in
            let live = try Self.requireApp(connection, app)
            let names = try connection.query(
                "SELECT name FROM drafts WHERE app = ? ORDER BY name",
                [.text(app)]
            ) { $0.string(0) }
            return try names.compactMap { try Self.draftInfo(connection, app: app, name: $0, live: live) }
        }
    }

    /// Draft `name` with its changes against its base, or nil when `app` has no such draft.
    private static func draftInfo(_ connection: Connection, app: String, name: String, live: Int?) throws -> DraftInfo?
    {
        guard let row = try draftRow(connection, app: app, name: name) else { return nil }
        return DraftInfo(
            app: app,
            name: name,
            base: row.base,
            live: live,
            changes: try changes(connection, app: app, draft: name, base: row.base),
            createdAt: row.createdAt,
            updatedAt: row.updatedAt
        )
    }

    static func changes(_ connection: Connection, app: String, draft: String, base: Int?) throws -> [DraftChange] {
        try entries(connection, app: app, draft: draft).compactMap { entry in
            let original = try baseFile(connection, app: app, version: base, path: entry.path)
            switch (entry.hash, original) {
            case (nil, nil): return nil
            case (nil, _?): return DraftChange(path: entry.path, change: .deleted, size: nil)
            case (_?, nil): return DraftChange(path: entry.path, change: .added, size: entry.size)
            case (let hash?, let original?):
                guard hash != original.hash else { return nil }
                return DraftChange(path: entry.path, change: .modified, size: entry.size)
            }
        }
    }

    /// A file as the draft sees it (its own write, else the base's), with its bytes.
    public func draftFile(
        app rawApp: String,
        draft rawDraft: String,
        path rawPath: String
    ) throws -> (
        FileEntry, BlobContent
    ) {
        let app = try AppName.validate(rawApp)
        let draft = try DraftName.validate(rawDraft)
        let path = try DraftName.path(rawPath, limits: limits)
        return try store.read { connection in
            _ = try Self.requireApp(connection, app)
            guard let row = try Self.draftRow(connection, app: app, name: draft) else {
                throw Self.unknownDraft(draft, app: app)
            }
            let own = try connection.queryOne(
                "SELECT blob, size, mime FROM draft_files WHERE app = ? AND draft = ? AND path = ?",
                [.text(app), .text(draft), .text(path)]
            ) { row in
                row.optionalBytes(0).map {
                    FileEntry(hash: ContentHash(bytes: $0), size: row.int(1), mime: row.optionalString(2) ?? "")
                }
            }
            let file: FileEntry? =
                switch own {
                case .some(let written): written
                case .none: try Self.baseFile(connection, app: app, version: row.base, path: path)
                }
            guard let file,
                let content = try connection.queryOne(
                    "SELECT data, gzip FROM blobs WHERE hash = ?",
                    [.blob(file.hash.bytes)],
                    { BlobContent(data: $0.bytes(0), gzip: $0.optionalBytes(1)) }
                )
            else {
                throw VFSError(
                    .notFound,
                    "draft '\(draft)' of app '\(app)' has no file '\(path)' (see 'fazt draft status \(app) \(draft)')"
                )
            }
            return (file, content)
        }
    }

    /// Removes a draft and its changes; throws `notFound` naming `fazt draft list`.
    public func discardDraft(app rawApp: String, name rawName: String) throws {
        let app = try AppName.validate(rawApp)
        let name = try DraftName.validate(rawName)
        try store.writeBlocking { connection in
            _ = try Self.requireApp(connection, app)
            guard try connection.run("DELETE FROM drafts WHERE app = ? AND name = ?", [.text(app), .text(name)]) > 0
            else { throw Self.unknownDraft(name, app: app) }
        }
    }
}

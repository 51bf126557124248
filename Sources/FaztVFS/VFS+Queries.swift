import FaztGit
import FaztStore

extension VFS {
    private static let appColumns = """
        SELECT a.name, a.live_version, (SELECT COUNT(*) FROM versions v WHERE v.app = a.name),
               COALESCE(lv.files, 0), COALESCE(lv.bytes, 0), a.created_at, a.updated_at
        FROM apps a LEFT JOIN versions lv ON lv.app = a.name AND lv.n = a.live_version
        """

    private static func appInfo(_ row: Row) -> AppInfo {
        AppInfo(
            name: row.string(0),
            version: row.optionalInt(1),
            versions: row.int(2),
            files: row.int(3),
            bytes: row.int(4),
            createdAt: row.int64(5),
            updatedAt: row.int64(6)
        )
    }

    /// All apps, by name.
    public func apps() throws -> [AppInfo] {
        try store.read { try $0.query(Self.appColumns + " ORDER BY a.name", [], Self.appInfo) }
    }

    /// One app; throws `notFound` when it does not exist.
    public func info(app rawName: String) throws -> AppInfo {
        let app = try AppName.validate(rawName)
        let found = try store.read {
            try $0.queryOne(Self.appColumns + " WHERE a.name = ?", [.text(app)], Self.appInfo)
        }
        guard let found else { throw VFSError(.notFound, "no app named \"\(app)\" (see 'fazt apps')") }
        return found
    }

    /// An app's versions, newest first.
    public func versions(app rawName: String) throws -> [VersionInfo] {
        let info = try info(app: rawName)
        return try store.read { connection in
            var tagged: [Int: [String]] = [:]
            for tag in try Self.tags(connection, app: info.name) where tag.version > 0 {
                tagged[tag.version, default: []].append(tag.name)
            }
            return try connection.query(
                """
                SELECT n, parent, files, bytes, source, message, created_at, commit_oid, journal_seq
                FROM versions WHERE app = ? ORDER BY n DESC
                """,
                [.text(info.name)]
            ) { row in
                VersionInfo(
                    version: row.int(0),
                    parent: row.optionalInt(1),
                    files: row.int(2),
                    bytes: row.int(3),
                    source: row.string(4),
                    message: row.optionalString(5),
                    createdAt: row.int64(6),
                    live: row.int(0) == info.version,
                    commit: row.optionalBytes(7).flatMap { GitObjectID(bytes: $0)?.hex },
                    tags: tagged[row.int(0)] ?? [],
                    journalSeq: row.isNull(8) ? nil : row.int64(8)
                )
            }
        }
    }

    /// The newest versions over every app (deploys, pushes, commits), newest first.
    public func recentVersions(limit: Int) throws -> [(app: String, version: VersionInfo)] {
        try store.read { connection in
            try connection.query(
                """
                SELECT v.app, v.n, v.parent, v.files, v.bytes, v.source, v.message, v.created_at,
                       v.n = a.live_version
                FROM versions v JOIN apps a ON a.name = v.app
                ORDER BY v.created_at DESC, v.n DESC LIMIT ?
                """,
                [.int(limit)]
            ) { row in
                (
                    app: row.string(0),
                    version: VersionInfo(
                        version: row.int(1),
                        parent: row.optionalInt(2),
                        files: row.int(3),
                        bytes: row.int(4),
                        source: row.string(5),
                        message: row.optionalString(6),
                        createdAt: row.int64(7),
                        live: row.int(8) != 0
                    )
                )
            }
        }
    }

    /// The live version's file index and manifest, or nil when the app does not exist.
    public func snapshot(app: String) throws -> AppSnapshot? {
        try snapshot(
            app: app,
            where: "JOIN versions v ON v.app = a.name AND v.n = a.live_version WHERE a.name = ?",
            [.text(app)]
        )
    }

    /// Version `version` of the app (live or not: previews), or nil when it has no such version.
    public func snapshot(app: String, version: Int) throws -> AppSnapshot? {
        try snapshot(
            app: app,
            where: "JOIN versions v ON v.app = a.name AND v.n = ? WHERE a.name = ?",
            [.int(version), .text(app)]
        )
    }

    private func snapshot(app: String, where clause: String, _ values: [SQLiteValue]) throws -> AppSnapshot? {
        try store.read { connection in
            guard
                let (version, manifestText, createdAt) = try connection.queryOne(
                    "SELECT v.n, v.manifest, v.created_at FROM apps a " + clause,
                    values,
                    { ($0.int(0), $0.optionalString(1), $0.int64(2)) }
                )
            else { return nil }
            var files: [String: FileEntry] = [:]
            let entries = try connection.query(
                "SELECT path, blob, size, mime FROM files WHERE app = ? AND version = ?",
                [.text(app), .int(version)]
            ) { row in
                (
                    row.string(0),
                    FileEntry(hash: ContentHash(bytes: row.bytes(1)), size: row.int(2), mime: row.string(3))
                )
            }
            files.reserveCapacity(entries.count)
            for (path, entry) in entries { files[path] = entry }
            let manifest = manifestText.flatMap { try? Manifest.parse(Array($0.utf8), strict: false) } ?? Manifest()
            return AppSnapshot(app: app, version: version, manifest: manifest, createdAt: createdAt, files: files)
        }
    }

    /// A blob's bytes and gzip variant, or nil when no such blob is stored.
    public func blob(_ hash: ContentHash) throws -> BlobContent? {
        try store.read { connection in
            try connection.queryOne("SELECT data, gzip FROM blobs WHERE hash = ?", [.blob(hash.bytes)]) { row in
                BlobContent(data: row.bytes(0), gzip: row.optionalBytes(1))
            }
        }
    }
}

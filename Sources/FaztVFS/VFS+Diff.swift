import FaztStore

extension VFS {
    /// What changed from version `from` to version `to` of `app` (either may be `.live`).
    ///
    /// One read transaction: both file indexes and the contents come from the same snapshot.
    /// Throws `notFound` for an unknown app and `versionNotFound` naming a missing version.
    public func diff(
        app rawName: String,
        from: VersionReference,
        to: VersionReference,
        limits: DiffLimits = .init()
    ) throws -> VersionDiff {
        let app = try AppName.validate(rawName)
        return try store.read { connection in
            guard
                let live = try connection.queryOne(
                    "SELECT live_version FROM apps WHERE name = ?",
                    [.text(app)],
                    { $0.optionalInt(0) }
                )
            else {
                throw VFSError(.notFound, "no app named \"\(app)\" (see 'fazt apps')")
            }
            func resolve(_ reference: VersionReference) throws -> Int {
                switch reference {
                case .live:
                    guard let live else { throw VFSError(.versionNotFound, "app '\(app)' has no live version") }
                    return live
                case .number(let number):
                    let exists = try connection.queryOne(
                        "SELECT 1 FROM versions WHERE app = ? AND n = ?",
                        [.text(app), .int(number)],
                        { _ in true }
                    )
                    guard exists != nil else {
                        throw VFSError(
                            .versionNotFound,
                            "app '\(app)' has no version \(number) (see 'fazt versions \(app)')"
                        )
                    }
                    return number
                }
            }
            let old = try resolve(from)
            let new = try resolve(to)
            func files(_ version: Int) throws -> [String: FileEntry] {
                let rows = try connection.query(
                    "SELECT path, blob, size, mime FROM files WHERE app = ? AND version = ?",
                    [.text(app), .int(version)]
                ) { row in
                    (
                        row.string(0),
                        FileEntry(hash: ContentHash(bytes: row.bytes(1)), size: row.int(2), mime: row.string(3))
                    )
                }
                return Dictionary(rows, uniquingKeysWith: { first, _ in first })
            }
            return try VersionDiff.build(
                app: app,
                from: old,
                to: new,
                old: try files(old),
                new: try files(new),
                limits: limits
            ) { hash in
                try connection.queryOne("SELECT data FROM blobs WHERE hash = ?", [.blob(hash.bytes)]) { $0.bytes(0) }
            }
        }
    }
}

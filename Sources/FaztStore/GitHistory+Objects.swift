import FaztGit

extension GitHistory {
    /// Up to `limit` commits of `app`'s `main`, newest first (first parents), for fetch negotiation.
    public static func recentCommits(_ connection: Connection, app: String, limit: Int) throws -> [GitObjectID] {
        var out: [GitObjectID] = []
        var next = try main(connection, app: app)
        while let id = next, out.count < limit {
            out.append(id)
            let body = try connection.queryOne(
                "SELECT data FROM git_objects WHERE oid = ? AND type = 'commit'",
                [.blob(id.bytes)],
                { $0.bytes(0) }
            )
            guard let body else { break }
            next = GitLinks.of(type: .commit, body: body).objects.dropFirst().first
        }
        return out
    }

    /// Stores a tree or commit that came from elsewhere (a fetched pack), unless already there.
    public static func storeImported(_ connection: Connection, _ object: GitObject) throws {
        try insert(connection, object)
    }

    /// Makes `commit`, a commit imported from elsewhere, version `version`'s commit and moves `main`
    /// to it when `live` (a pull: the version is exactly the remote's commit, so pushing back is a
    /// fast-forward).
    public static func recordImportedVersion(
        _ connection: Connection,
        app: String,
        version: Int,
        commit: GitObjectID,
        live: Bool
    ) throws {
        try connection.run(
            "UPDATE versions SET commit_oid = ? WHERE app = ? AND n = ?",
            [.blob(commit.bytes), .text(app), .int(version)]
        )
        guard live else { return }
        try connection.run(
            """
            INSERT INTO git_refs (app, name, oid) VALUES (?, ?, ?)
            ON CONFLICT (app, name) DO UPDATE SET oid = excluded.oid
            """,
            [.text(app), .text(mainRef), .blob(commit.bytes)]
        )
    }
}

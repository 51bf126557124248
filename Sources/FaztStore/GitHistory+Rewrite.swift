import FaztGit

extension GitHistory {
    /// Writes a new commit for version `version` after its files changed in place (`fazt dev`),
    /// with the parents of its previous commit, and moves `main` to it when `main` was on the old one.
    ///
    /// The old commit is then reachable from nothing, so garbage collection drops it: history keeps
    /// one commit per version, never one per save.
    @discardableResult
    public static func rewriteVersion(_ connection: Connection, app: String, version: Int) throws -> GitObjectID {
        let old =
            try connection.queryOne(
                "SELECT commit_oid FROM versions WHERE app = ? AND n = ?",
                [.text(app), .int(version)]
            ) { $0.optionalBytes(0).flatMap(GitObjectID.init(bytes:)) } ?? nil
        let head = try main(connection, app: app)
        var parents: [GitObjectID] = head.map { [$0] } ?? []
        if let old {
            let body = try connection.queryOne("SELECT data FROM git_objects WHERE oid = ?", [.blob(old.bytes)]) {
                $0.bytes(0)
            }
            if let body, let info = try? GitCommitInfo.parse(body) { parents = info.parents }
        }
        let commit = try writeVersionCommit(connection, app: app, version: version, parents: parents)
        if head == nil || head == old { try setMain(connection, app: app, to: commit) }
        return commit
    }
}

import FaztGit

extension GitHistory {
    /// What the history still needs: every object reachable from any ref or any version's commit.
    public struct Reachable: Sendable {
        /// Commits and trees (rows of `git_objects`).
        public var objects: Set<GitObjectID> = []
        /// Blob ids named by reachable trees (rows of `blobs`, by `git_oid`).
        public var blobs: Set<GitObjectID> = []
    }

    /// Marks everything reachable from `git_refs` and every `versions.commit_oid`, walking commit
    /// parents and trees; run it in the transaction that acts on the result.
    public static func reachable(_ connection: Connection) throws -> Reachable {
        var result = Reachable()
        var pending: [GitObjectID] = []
        for sql in ["SELECT oid FROM git_refs", "SELECT commit_oid FROM versions WHERE commit_oid IS NOT NULL"] {
            for bytes in try connection.query(sql, [], { $0.bytes(0) }) {
                if let id = GitObjectID(bytes: bytes) { pending.append(id) }
            }
        }
        while let id = pending.popLast() {
            guard result.objects.insert(id).inserted else { continue }
            guard
                let (type, body) = try connection.queryOne(
                    "SELECT type, data FROM git_objects WHERE oid = ?",
                    [.blob(id.bytes)],
                    { ($0.string(0), $0.bytes(1)) }
                ), let kind = GitObjectType(rawValue: type)
            else { continue }
            let links = GitLinks.of(type: kind, body: body)
            pending.append(contentsOf: links.objects.filter { !result.objects.contains($0) })
            result.blobs.formUnion(links.blobs)
        }
        return result
    }

    /// Deletes the trees and commits of `git_objects` that nothing reaches, returning how many went.
    ///
    /// `git_objects` has no timestamps: this is safe only inside one write transaction (a deploy,
    /// draft commit or rollback writes its objects and moves its refs in a single transaction on the
    /// single writer, so none is ever between its steps while this runs).
    @discardableResult
    public static func collectObjects(_ connection: Connection, keeping reachable: Reachable) throws -> Int {
        let all = try connection.query("SELECT oid FROM git_objects") { $0.bytes(0) }
        var removed = 0
        for bytes in all {
            guard let id = GitObjectID(bytes: bytes), !reachable.objects.contains(id) else { continue }
            removed += try connection.run("DELETE FROM git_objects WHERE oid = ?", [.blob(bytes)])
        }
        return removed
    }
}

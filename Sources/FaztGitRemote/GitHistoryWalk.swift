import FaztGit

/// Walks commits and trees through a lookup of local objects (for push negotiation).
enum GitHistoryWalk {
    /// True when `ancestor` is `commit` or one of its ancestors; false when it is unknown here.
    static func isAncestor(
        _ ancestor: GitObjectID,
        of commit: GitObjectID,
        lookup: (GitObjectID) throws -> GitObject?
    ) throws -> Bool {
        var pending = [commit]
        var seen = Set<GitObjectID>()
        while let id = pending.popLast() {
            if id == ancestor { return true }
            guard seen.insert(id).inserted, let object = try lookup(id), object.type == .commit else { continue }
            // A commit's links are its tree, then its parents; only parents are commits.
            pending.append(contentsOf: GitLinks.of(type: .commit, body: object.body).objects.dropFirst())
        }
        return false
    }

    /// Every object reachable from `commit` that is not reachable from `excluding`, with its body;
    /// throws when a needed object is missing locally.
    static func missing(
        from commit: GitObjectID,
        excluding: [GitObjectID],
        lookup: (GitObjectID) throws -> GitObject?
    ) throws -> [GitObject] {
        var known = Set<GitObjectID>()
        var pending = excluding
        while let id = pending.popLast() {
            guard known.insert(id).inserted, let object = try lookup(id) else { continue }
            let links = GitLinks.of(type: object.type, body: object.body)
            pending.append(contentsOf: links.objects)
            known.formUnion(links.blobs)
        }
        var out: [GitObject] = []
        pending = [commit]
        while let id = pending.popLast() {
            guard known.insert(id).inserted else { continue }
            guard let object = try lookup(id) else {
                throw GitRemoteError.invalidRequest("object \(id.hex) of the app's history is missing here")
            }
            out.append(object)
            let links = GitLinks.of(type: object.type, body: object.body)
            pending.append(contentsOf: links.objects)
            pending.append(contentsOf: links.blobs)
        }
        return out
    }
}

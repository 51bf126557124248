/// Walks the object graph from some tips: commits to their trees and parents, trees to entries, tags to targets.
///
/// Object bodies come from a `load` function (the store, a pack just received, or both), so the same walk
/// serves clone/fetch (what to send), push (is the pushed graph complete?) and isolation checks.
public enum GitWalk {
    /// What one walk found.
    public struct Result: Sendable {
        /// Every commit, tree and tag reached.
        public var objects: Set<GitObjectID> = []
        /// Every blob a reached tree names (submodule entries are left out).
        public var blobs: Set<GitObjectID> = []
        /// The commits reached, parents after children (a topological order from the tips).
        public var commits: [GitObjectID] = []
        /// Commits, trees or tags named but not found by `load`.
        public var missing: [GitObjectID] = []

        public init() {}

        public func contains(_ id: GitObjectID) -> Bool { objects.contains(id) || blobs.contains(id) }
    }

    /// Everything reachable from `tips`, not walking past the parents of `boundary` commits
    /// (a shallow client's boundary) or into anything in `exclude`.
    public static func reachable(
        from tips: [GitObjectID],
        boundary: Set<GitObjectID> = [],
        exclude: Set<GitObjectID> = [],
        load: (GitObjectID) throws -> GitObject?
    ) throws -> Result {
        var result = Result()
        var pending = tips.reversed().map { $0 }
        while let id = pending.popLast() {
            guard !exclude.contains(id), result.objects.insert(id).inserted else { continue }
            guard let object = try load(id) else {
                result.objects.remove(id)
                result.missing.append(id)
                continue
            }
            switch object.type {
            case .commit:
                result.commits.append(id)
                let info = try GitCommitInfo.parse(object.body)
                if !boundary.contains(id) { pending.append(contentsOf: info.parents.reversed()) }
                pending.append(info.tree)
            case .tree:
                for entry in try GitTree.entries(object.body) {
                    switch entry.mode {
                    case "40000", "040000": pending.append(entry.id)
                    case "160000": break
                    default: if !exclude.contains(entry.id) { result.blobs.insert(entry.id) }
                    }
                }
            case .tag:
                pending.append(contentsOf: GitLinks.of(type: .tag, body: object.body).objects)
            case .blob:
                result.objects.remove(id)
                result.blobs.insert(id)
            }
        }
        return result
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors (a fast-forward check).
    public static func isAncestor(
        _ ancestor: GitObjectID,
        of descendant: GitObjectID,
        load: (GitObjectID) throws -> GitObject?
    ) throws -> Bool {
        var seen = Set<GitObjectID>()
        var pending = [descendant]
        while let id = pending.popLast() {
            if id == ancestor { return true }
            guard seen.insert(id).inserted, let object = try load(id), object.type == .commit else { continue }
            pending.append(contentsOf: try GitCommitInfo.parse(object.body).parents)
        }
        return false
    }
}

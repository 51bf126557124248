/// Builds git tree objects from a version's flat list of file paths.
///
/// Every file is a regular, non-executable file (`100644`); folders are trees (written `40000`:
/// git's own encoding, which `git ls-tree` displays as `040000`). Entries are sorted as git sorts
/// them: by name bytes, with a folder compared as if its name ended in `/`.
public enum GitTree {
    /// A file of the tree: a `/`-separated path (no empty, `.` or `..` parts) and its blob id.
    public struct File: Sendable {
        public var path: String
        public var blob: GitObjectID

        public init(path: String, blob: GitObjectID) {
            self.path = path
            self.blob = blob
        }
    }

    /// The root tree's id and every tree object (root included, each once, children before parents).
    public struct Result: Sendable {
        public var root: GitObjectID
        public var trees: [GitObject]
    }

    private final class Folder {
        var files: [String: GitObjectID] = [:]
        var folders: [String: Folder] = [:]
    }

    /// Builds the trees of `files`; a path that is both a file and a folder keeps the file only.
    public static func build(_ files: [File]) -> Result {
        let root = Folder()
        for file in files {
            let parts = file.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard let name = parts.last else { continue }
            var folder = root
            for part in parts.dropLast() {
                if let next = folder.folders[part] {
                    folder = next
                } else {
                    let next = Folder()
                    folder.folders[part] = next
                    folder = next
                }
            }
            folder.files[name] = file.blob
        }
        var trees: [GitObject] = []
        var seen = Set<GitObjectID>()
        let id = encode(root, into: &trees, seen: &seen)
        return Result(root: id, trees: trees)
    }

    private static func encode(
        _ folder: Folder,
        into trees: inout [GitObject],
        seen: inout Set<GitObjectID>
    )
        -> GitObjectID
    {
        var entries: [(sortKey: [UInt8], mode: String, name: String, id: GitObjectID)] = []
        for (name, id) in folder.files {
            entries.append((Array(name.utf8), "100644", name, id))
        }
        // Children first, in name order, so `trees` comes out in the same order for the same files.
        for (name, child) in folder.folders.sorted(by: { $0.key < $1.key }) where folder.files[name] == nil {
            let id = encode(child, into: &trees, seen: &seen)
            entries.append((Array((name + "/").utf8), "40000", name, id))
        }
        entries.sort { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
        var body: [UInt8] = []
        for entry in entries {
            body.append(contentsOf: Array("\(entry.mode) \(entry.name)".utf8))
            body.append(0)
            body.append(contentsOf: entry.id.bytes)
        }
        let tree = GitObject(type: .tree, body: body)
        if seen.insert(tree.id).inserted { trees.append(tree) }
        return tree.id
    }
}

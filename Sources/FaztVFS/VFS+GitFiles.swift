import FaztGit

extension VFS {
    /// One file of a pushed tree, with its bytes.
    struct GitFile {
        var path: String
        var id: GitObjectID
        /// The bytes when the push brought them; nil for a blob already stored (only its hash is needed).
        var data: [UInt8]?
        var hash: ContentHash
        var size: Int
        var mime: String
    }

    /// The files of tree `root`, checked like archive entries: no `..`, `.git`, symlinks or submodules.
    ///
    /// A blob comes from the pack (`pack`), or, when the app can already see it, from `stored`
    /// (its content hash and size, without reading the bytes).
    func gitFiles(
        tree root: GitObjectID,
        load: (GitObjectID) throws -> GitObject?,
        pack: [GitObjectID: GitObject],
        visibleBlobs: Set<GitObjectID>,
        stored: (GitObjectID) throws -> (hash: ContentHash, size: Int)?
    ) throws -> [GitFile] {
        var files: [GitFile] = []
        var total = 0
        var pending: [(prefix: String, id: GitObjectID)] = [("", root)]
        while let (prefix, id) = pending.popLast() {
            guard let tree = try load(id), tree.type == .tree else {
                throw GitPushRejection("missing necessary objects", detail: "tree \(id.hex) is missing")
            }
            let entries: [(mode: String, name: String, id: GitObjectID)]
            do { entries = try GitTree.entries(tree.body) } catch {
                throw GitPushRejection("deploy failed: malformed tree", detail: "\(error)")
            }
            for entry in entries {
                let path = prefix + entry.name
                if entry.name == "." || entry.name == ".." || entry.name.lowercased() == ".git"
                    || entry.name.contains("/")
                {
                    throw Self.refusedPath(path, "the name '\(entry.name)' is not allowed in an app")
                }
                switch entry.mode {
                case "40000", "040000":
                    pending.append((path + "/", entry.id))
                case "100644", "100755", "100664":
                    let normalized: String
                    do { normalized = try EntryPath.normalize(Array(path.utf8), maxBytes: limits.maxPathBytes) } catch {
                        throw Self.refusedPath(path, error.message)
                    }
                    var data: [UInt8]?
                    let hash: ContentHash
                    let size: Int
                    if let blob = pack[entry.id], blob.type == .blob {
                        data = blob.body
                        hash = ContentHash(of: blob.body)
                        size = blob.body.count
                    } else if visibleBlobs.contains(entry.id), let known = try stored(entry.id) {
                        (hash, size) = known
                    } else {
                        throw GitPushRejection(
                            "missing necessary objects",
                            detail: "blob \(entry.id.hex) (\(path)) is missing"
                        )
                    }
                    guard size <= limits.maxFileBytes else {
                        throw Self.refusedPath(
                            path,
                            "it is larger than the \(limits.maxFileBytes / 1_048_576) MB per-file limit"
                        )
                    }
                    total += size
                    guard total <= limits.maxExpandedBytes, files.count < limits.maxEntries else {
                        throw GitPushRejection(
                            "deploy failed: too large",
                            detail:
                                "the app exceeds \(limits.maxEntries) files or \(limits.maxExpandedBytes / 1_048_576) MB"
                        )
                    }
                    let mime = MIMEType.forPath(normalized)
                    files.append(
                        GitFile(path: normalized, id: entry.id, data: data, hash: hash, size: size, mime: mime)
                    )
                case "120000":
                    throw Self.refusedPath(path, "symbolic links are not supported; commit the file itself")
                case "160000":
                    throw Self.refusedPath(path, "submodules are not supported; commit the files themselves")
                default:
                    throw Self.refusedPath(path, "unknown file mode \(entry.mode)")
                }
            }
        }
        guard !files.isEmpty else {
            throw GitPushRejection(
                "deploy failed: no files",
                detail: "the pushed commit has no files; add at least index.html"
            )
        }
        return files.sorted { $0.path < $1.path }
    }

    /// Checks `fazt.json` and `api/**/*.js` like a deploy; returns the manifest text.
    func checkGitFiles(
        _ files: [GitFile],
        load: (GitObjectID) throws -> GitObject?,
        checkScripts: (([(path: String, source: String)]) throws -> Void)?
    ) throws
        -> String?
    {
        var manifest: String?
        do {
            if let file = files.first(where: { $0.path == "fazt.json" }) {
                let data = try file.data ?? load(file.id)?.body ?? []
                _ = try Manifest.parse(data)
                manifest = String(decoding: data, as: UTF8.self)
            }
            let scripts = try files.filter { $0.path.hasPrefix("api/") && ScriptFile.isModule($0.path) }
                .map {
                    (path: $0.path, source: String(decoding: try $0.data ?? load($0.id)?.body ?? [], as: UTF8.self))
                }
            if let checkScripts, !scripts.isEmpty { try checkScripts(scripts) }
        } catch let error as VFSError {
            let first = error.message.split(separator: "\n").first.map(String.init) ?? error.message
            throw GitPushRejection("deploy failed: \(first)", detail: error.message)
        }
        return manifest
    }

    private static func refusedPath(_ path: String, _ why: String) -> GitPushRejection {
        GitPushRejection("deploy failed: refused path \(path)", detail: "\(path): \(why)")
    }
}

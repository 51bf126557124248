import FaztGit
import FaztStore
import Foundation

extension VFS {
    /// One file of an imported commit's tree.
    private struct ImportedEntry {
        var path: String
        var blob: GitObjectID
    }

    /// Deploys the tree of `commit` (a commit fetched by `fazt git pull`) as the next live version of
    /// `app`, whose commit is `commit` itself: `main` moves to it, so a later push back is a fast-forward.
    ///
    /// `objects` are what the fetch brought (the commit, its history, trees and blobs); anything else
    /// the tree names must already be stored. The files are validated like any deploy (paths, modes,
    /// limits, `fazt.json`, `api/**/*.js` through `checkScripts`) before anything is stored; the
    /// fetched history is then stored and one transaction creates the version and moves the live pointer.
    public func deployGitCommit(
        app rawName: String,
        commit: GitObjectID,
        objects: [GitObject],
        source: String = "git",
        checkScripts: (([(path: String, source: String)]) throws -> Void)? = nil
    ) throws -> DeployResult {
        let app = try AppName.validate(rawName)
        var fetched: [GitObjectID: GitObject] = [:]
        for object in objects { fetched[object.id] = object }
        let store = self.store
        let visible = try gitObjects(app: app)
        func lookup(_ id: GitObjectID) throws -> GitObject? {
            if let object = fetched[id] { return object }
            return try visible(id)
        }
        guard let commitObject = try lookup(commit), commitObject.type == .commit,
            let root = GitObject.treeOfCommit(commitObject.body)
        else {
            throw VFSError(.badArchive, "commit \(commit.hex) is missing or is not a commit")
        }
        var entries: [ImportedEntry] = []
        try collect(tree: root, prefix: "", lookup: lookup, into: &entries)
        guard !entries.isEmpty else {
            throw VFSError(.badArchive, "commit \(commit.hex.prefix(12)) has no files to deploy")
        }
        var fileMap: [String: FileEntry] = [:]
        var contents: [String: [UInt8]] = [:]
        var batch = BlobBatch()
        var totalBytes = 0
        for entry in entries {
            guard let blob = try lookup(entry.blob), blob.type == .blob else {
                throw VFSError(
                    .badArchive,
                    "'\(entry.path)': its content (\(entry.blob.hex)) is missing from the fetch"
                )
            }
            guard blob.body.count <= limits.maxFileBytes else {
                throw VFSError(.tooLarge, "'\(entry.path)' is larger than \(limits.maxFileBytes / 1_048_576) MB")
            }
            totalBytes += blob.body.count
            guard totalBytes <= limits.maxExpandedBytes else {
                throw VFSError(
                    .tooLarge,
                    "the commit's files add up to more than \(limits.maxExpandedBytes / 1_048_576) MB"
                )
            }
            let hash = ContentHash(of: blob.body)
            let mime = MIMEType.forPath(entry.path)
            fileMap[entry.path] = FileEntry(hash: hash, size: blob.body.count, mime: mime)
            if entry.path == "fazt.json" || (entry.path.hasPrefix("api/") && entry.path.hasSuffix(".js")) {
                contents[entry.path] = blob.body
            }
        }
        var manifestText: String?
        if let bytes = contents["fazt.json"] {
            _ = try Manifest.parse(bytes)
            manifestText = String(decoding: bytes, as: UTF8.self)
        }
        let scripts = contents.filter { $0.key != "fazt.json" }.sorted { $0.key < $1.key }
            .map { (path: $0.key, source: String(decoding: $0.value, as: UTF8.self)) }
        if let checkScripts, !scripts.isEmpty { try checkScripts(scripts) }

        // Valid: store the content (the tree's files and the fetched history's blobs), then the version.
        let now = Self.now()
        let paths = Dictionary(entries.map { ($0.blob, $0.path) }, uniquingKeysWith: { first, _ in first })
        for object in objects where object.type == .blob {
            let path = paths[object.id] ?? ""
            batch.add(hash: ContentHash(of: object.body), data: object.body, mime: MIMEType.forPath(path))
            if batch.bytes >= 8 * 1024 * 1024 || batch.count >= 500 { try batch.flush(store: store, now: now) }
        }
        try batch.flush(store: store, now: now)
        let message = Self.subject(commitObject.body)
        let (files, total, manifest) = (fileMap, totalBytes, manifestText)
        let (version, pruned) = try store.writeBlocking { connection -> (Int, [Int]) in
            try connection.run(
                "INSERT OR IGNORE INTO apps (name, live_version, created_at, updated_at) VALUES (?, NULL, ?, ?)",
                [.text(app), .integer(now), .integer(now)]
            )
            let parent =
                try connection.queryOne("SELECT live_version FROM apps WHERE name = ?", [.text(app)]) {
                    $0.optionalInt(0)
                } ?? nil
            let next =
                try connection.queryOne("SELECT COALESCE(MAX(n), 0) + 1 FROM versions WHERE app = ?", [.text(app)]) {
                    $0.int(0)
                } ?? 1
            try connection.run(
                """
                INSERT INTO versions (app, n, parent, message, source, files, bytes, manifest, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(app), .int(next), .optionalInt(parent), .optionalText(message), .text(source),
                    .int(files.count), .int(total), .optionalText(manifest), .integer(now),
                ]
            )
            for (path, file) in files.sorted(by: { $0.key < $1.key }) {
                guard
                    try connection.queryOne(
                        "SELECT 1 FROM blobs WHERE hash = ?",
                        [.blob(file.hash.bytes)],
                        { _ in true }
                    )
                        != nil
                else {
                    throw VFSError(.conflict, "content was removed by a concurrent cleanup; pull again")
                }
                try connection.run(
                    "INSERT INTO files (app, version, path, blob, size, mime) VALUES (?, ?, ?, ?, ?, ?)",
                    [.text(app), .int(next), .text(path), .blob(file.hash.bytes), .int(file.size), .text(file.mime)]
                )
            }
            for object in objects where object.type == .commit || object.type == .tree {
                try GitHistory.storeImported(connection, object)
            }
            try connection.run(
                "UPDATE apps SET live_version = ?, updated_at = ? WHERE name = ?",
                [.int(next), .integer(now), .text(app)]
            )
            try GitHistory.recordImportedVersion(connection, app: app, version: next, commit: commit, live: true)
            try self.liveVersionChanged?(connection, app, next, manifest)
            let pruned = try self.pruneVersions(connection, app: app)
            return (next, pruned)
        }
        collectAfterPruning(pruned)
        return DeployResult(app: app, version: version, files: files.count, bytes: total, manifest: manifest)
    }

    /// A reader of the git objects `app` may see (reachable from its refs and versions' commits),
    /// for push and pull: objects are stored once for all apps, and one app must never reach
    /// another's by id (a remote could otherwise name them as `have`s or delta bases).
    public func gitObjects(app: String) throws -> @Sendable (GitObjectID) throws -> GitObject? {
        let visible = try store.read { try GitObjectStore($0, app: app).reachable() }
        let store = self.store
        return { id in
            guard visible.contains(id) else { return nil }
            return try store.read { try GitObjectStore($0, app: app).object(id) }
        }
    }

    /// Walks a tree into file entries, refusing what a deploy cannot hold (links, submodules, bad names).
    private func collect(
        tree id: GitObjectID,
        prefix: String,
        lookup: (GitObjectID) throws -> GitObject?,
        into entries: inout [ImportedEntry]
    ) throws {
        guard let tree = try lookup(id), tree.type == .tree else {
            throw VFSError(
                .badArchive,
                "tree \(id.hex) of '\(prefix.isEmpty ? "/" : prefix)' is missing from the fetch"
            )
        }
        let body = tree.body
        var index = body.startIndex
        while index < body.endIndex {
            guard let space = body[index...].firstIndex(of: UInt8(ascii: " ")),
                let nul = body[space...].firstIndex(of: 0), nul + 21 <= body.endIndex,
                let child = GitObjectID(bytes: Array(body[(nul + 1)..<(nul + 21)]))
            else {
                throw VFSError(.badArchive, "tree \(id.hex) is malformed")
            }
            let mode = String(decoding: body[index..<space], as: UTF8.self)
            let rawName = Array(body[(space + 1)..<nul])
            index = nul + 21
            let shown = prefix + String(decoding: rawName, as: UTF8.self)
            let name = String(decoding: rawName, as: UTF8.self)
            guard !name.isEmpty, name != ".", name != "..", name != ".git", !name.contains("/") else {
                throw VFSError(.invalidPath, "'\(shown)': this name is not allowed in an app")
            }
            let path = try EntryPath.normalize(Array((prefix + name).utf8), maxBytes: limits.maxPathBytes)
            switch mode {
            case "40000", "040000":
                try collect(tree: child, prefix: path + "/", lookup: lookup, into: &entries)
            case "100644", "100755", "100664":
                guard entries.count < limits.maxEntries else {
                    throw VFSError(.tooLarge, "the commit has more than \(limits.maxEntries) files")
                }
                entries.append(ImportedEntry(path: path, blob: child))
            case "120000":
                throw VFSError(.invalidPath, "'\(shown)' is a symbolic link; apps hold regular files only")
            case "160000":
                throw VFSError(.invalidPath, "'\(shown)' is a submodule; apps hold regular files only")
            default:
                throw VFSError(.invalidPath, "'\(shown)' has the unknown mode \(mode)")
            }
        }
    }

    /// The first line of a commit's message (nil when it has none).
    static func subject(_ body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let range = text.range(of: "\n\n") else { return nil }
        let line = text[range.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        let subject = line.trimmingCharacters(in: .whitespaces)
        return subject.isEmpty ? nil : String(subject.prefix(500))
    }
}

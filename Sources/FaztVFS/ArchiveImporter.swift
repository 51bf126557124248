import FaztGit
import FaztStore

/// A file read from an archive, ready to be stored.
struct ImportedFile {
    var path: String
    var hash: ContentHash
    var size: Int
    var mime: String
}

/// Reads a deploy archive in two passes: `validate` checks every rule and limit while storing
/// nothing; `importBlobs` then stores content, so bad input never leaves anything behind.
struct ArchiveImporter {
    let archivePath: String
    let limits: DeployLimits

    /// The outcome of validation.
    struct Plan {
        var fileCount = 0
        var totalBytes = 0
        /// A single top-level folder that wraps every file (stripped on import).
        var stripPrefix: String?
        /// The raw `fazt.json`, already checked to parse.
        var manifest: [UInt8]?
        /// `api/**/*.js` sources (paths after stripping), for the deploy-time syntax check.
        var scripts: [(path: String, source: String)] = []
        /// Junk entries left out (`__MACOSX/…`, `.DS_Store`), as named in the archive.
        var skipped: [String] = []
    }

    /// Iterates the regular files the archive will deploy, with their normalized paths.
    ///
    /// Returns the junk entries it left out.
    @discardableResult
    private func forEachFile(
        _ body: (String, ArchiveEntryHeader, ArchiveReader) throws(VFSError) -> Void
    ) throws(VFSError) -> [String] {
        var skipped: [String] = []
        let reader = try ArchiveReader(path: archivePath)
        var entries = 0
        var seen = Set<String>()
        while let header = try reader.next() {
            entries += 1
            if entries > limits.maxEntries {
                throw VFSError(.tooLarge, "the archive has more than \(limits.maxEntries) entries")
            }
            // Directories carry no content; files inside them are checked on their own.
            if header.kind == .directory { continue }
            let path = try EntryPath.normalize(header.rawName, maxBytes: limits.maxPathBytes)
            switch header.kind {
            case .directory: continue
            case .symlink: throw VFSError(.badArchive, "entry '\(path)' is a symbolic link; links are not allowed")
            case .hardlink: throw VFSError(.badArchive, "entry '\(path)' is a hard link; links are not allowed")
            case .other: throw VFSError(.badArchive, "entry '\(path)' is a device or special file; not allowed")
            case .file: break
            }
            if EntryPath.isJunk(path) {
                skipped.append(path)
                continue
            }
            guard seen.insert(path).inserted else {
                throw VFSError(.badArchive, "entry '\(path)' appears twice in the archive")
            }
            if let declared = header.declaredSize, declared > limits.maxFileBytes {
                throw fileTooLarge(path)
            }
            try body(path, header, reader)
        }
        return skipped
    }

    private func fileTooLarge(_ path: String) -> VFSError {
        VFSError(.tooLarge, "entry '\(path)' is larger than the \(limits.maxFileBytes / 1_048_576) MB per-file limit")
    }

    /// Pass 1: checks names, kinds, duplicates and limits by streaming (never buffering) the data.
    func validate() throws(VFSError) -> Plan {
        var plan = Plan()
        var topLevel: Set<Substring> = []
        var rootFiles = false
        var sitePaths = Set<String>()
        var manifests: [String: [UInt8]] = [:]
        var scripts: [(path: String, source: [UInt8])] = []
        let skipped = try forEachFile { (path, _, reader) throws(VFSError) in
            var fileBytes = 0
            var total = plan.totalBytes
            let isManifest =
                path == "fazt.json" || (path.hasSuffix("/fazt.json") && path.split(separator: "/").count == 2)
            var manifest: [UInt8] = []
            let isScript = ScriptFile.isModule(path) && (path.hasPrefix("api/") || path.contains("/api/"))
            var script: [UInt8] = []
            try reader.readData { (chunk) throws(VFSError) in
                if isManifest && manifest.count < 1 << 20 { manifest.append(contentsOf: chunk) }
                if isScript { script.append(contentsOf: chunk) }
                fileBytes += chunk.count
                total += chunk.count
                if fileBytes > limits.maxFileBytes { throw fileTooLarge(path) }
                if total > limits.maxExpandedBytes {
                    throw VFSError(
                        .tooLarge,
                        "the archive expands past the \(limits.maxExpandedBytes / 1_048_576) MB limit (at entry '\(path)')"
                    )
                }
            }
            plan.totalBytes = total
            plan.fileCount += 1
            if isManifest { manifests[path] = manifest }
            if isScript { scripts.append((path, script)) }
            if let slash = path.firstIndex(of: "/") {
                topLevel.insert(path[..<slash])
                if path.hasSuffix("/index.html") || path.hasSuffix("/fazt.json") { sitePaths.insert(path) }
            } else {
                rootFiles = true
            }
        }
        plan.skipped = skipped
        guard plan.fileCount > 0 else { throw VFSError(.badArchive, "the archive contains no files") }
        // A zipped site folder ("dist/index.html", …) is unwrapped; a lone "api/" folder is not.
        if !rootFiles, topLevel.count == 1, let folder = topLevel.first,
            sitePaths.contains(folder + "/index.html") || sitePaths.contains(folder + "/fazt.json")
        {
            plan.stripPrefix = folder + "/"
        }
        let prefix = plan.stripPrefix ?? ""
        plan.scripts = scripts.compactMap { script in
            guard script.path.hasPrefix(prefix + "api/") else { return nil }
            return (String(script.path.dropFirst(prefix.count)), String(decoding: script.source, as: UTF8.self))
        }
        if let manifest = manifests[(plan.stripPrefix ?? "") + "fazt.json"] {
            _ = try Manifest.parse(manifest)
            plan.manifest = manifest
        }
        return plan
    }

    /// Pass 2: stores every blob not yet present (in batches through the writer) and returns the files.
    func importBlobs(plan: Plan, store: Store, now: Int64) throws -> [ImportedFile] {
        var files: [ImportedFile] = []
        files.reserveCapacity(plan.fileCount)
        var batch = BlobBatch()
        try forEachFile { (rawPath, header, reader) throws(VFSError) in
            var path = rawPath
            if let prefix = plan.stripPrefix { path.removeFirst(prefix.count) }
            var data: [UInt8] = []
            data.reserveCapacity(min(header.declaredSize ?? 0, limits.maxFileBytes))
            try reader.readData { (chunk) throws(VFSError) in
                data.append(contentsOf: chunk)
                if data.count > limits.maxFileBytes { throw fileTooLarge(path) }
            }
            let hash = ContentHash(of: data)
            let mime = MIMEType.forPath(path)
            files.append(ImportedFile(path: path, hash: hash, size: data.count, mime: mime))
            batch.add(hash: hash, data: data, mime: mime)
            if batch.bytes >= 8 * 1024 * 1024 || batch.count >= 500 {
                do { try batch.flush(store: store, now: now) } catch { throw VFSError(.storage, "\(error)") }
            }
        }
        try batch.flush(store: store, now: now)
        return files
    }
}

/// Blobs waiting to be written; known hashes are skipped before any compression work.
struct BlobBatch {
    private var pending: [(hash: ContentHash, data: [UInt8], mime: String)] = []
    private var queued = Set<ContentHash>()
    private(set) var bytes = 0
    var count: Int { pending.count }

    mutating func add(hash: ContentHash, data: [UInt8], mime: String) {
        guard queued.insert(hash).inserted else { return }
        pending.append((hash, data, mime))
        bytes += data.count
    }

    mutating func flush(store: Store, now: Int64) throws {
        guard !pending.isEmpty else { return }
        let candidates = pending
        pending.removeAll()
        bytes = 0
        let hashes = candidates.map { SQLiteValue.blob($0.hash.bytes) }
        let existing: Set<[UInt8]> = try store.read { connection in
            var found = Set<[UInt8]>()
            for hash in hashes {
                if let bytes = try connection.queryOne("SELECT hash FROM blobs WHERE hash = ?", [hash], { $0.bytes(0) })
                {
                    found.insert(bytes)
                }
            }
            return found
        }
        let rows: [[SQLiteValue]] = candidates.compactMap { item in
            guard !existing.contains(item.hash.bytes) else { return nil }
            let gzip = MIMEType.isCompressible(item.mime) && item.data.count >= 256 ? Gzip.compress(item.data) : nil
            return [
                .blob(item.hash.bytes), .int(item.data.count), .blob(item.data), gzip.map { .blob($0) } ?? .null,
                .integer(now), .blob(GitObjectID(type: .blob, body: item.data).bytes),
            ]
        }
        guard !rows.isEmpty else { return }
        try store.writeBlocking { connection in
            for row in rows {
                try connection.run(
                    """
                    INSERT OR IGNORE INTO blobs (hash, size, data, gzip, created_at, git_oid)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    row
                )
            }
        }
    }
}

extension VersionDiff {
    /// Compares two file indexes; `content` returns a blob's bytes (nil when it is gone).
    ///
    /// Pure apart from `content`, so it is tested without a database.
    static func build(
        app: String,
        from: Int,
        to: Int,
        old: [String: FileEntry],
        new: [String: FileEntry],
        limits: DiffLimits,
        content: (ContentHash) throws -> [UInt8]?
    ) rethrows -> VersionDiff {
        var builder = Builder(limits: limits)
        for change in Self.changes(old: old, new: new) {
            try builder.add(change, old: old, new: new, content: content)
        }
        let diff = String(decoding: builder.text, as: UTF8.self)
        return VersionDiff(
            app: app,
            from: from,
            to: to,
            files: builder.files,
            diff: diff,
            truncated: builder.omitted > 0,
            omittedFiles: builder.omitted
        )
    }

    /// Changed paths by path and content hash: equal hashes on a deleted and an added path make a rename.
    static func changes(old: [String: FileEntry], new: [String: FileEntry]) -> [FileChange] {
        var deleted = old.filter { new[$0.key] == nil }.sorted { $0.key < $1.key }
        let added = new.filter { old[$0.key] == nil }.sorted { $0.key < $1.key }
        var changes: [FileChange] = []
        for path in new.keys.sorted() {
            guard let before = old[path], let after = new[path], before.hash != after.hash else { continue }
            changes.append(
                .init(path: path, status: .modified, binary: false, oldSize: before.size, newSize: after.size)
            )
        }
        for (path, after) in added {
            // The first deleted path (in order) with the same content pairs with it, once.
            if let index = deleted.firstIndex(where: { $0.value.hash == after.hash }) {
                let source = deleted.remove(at: index).key
                changes.append(
                    .init(
                        path: path,
                        status: .renamed,
                        from: source,
                        binary: false,
                        oldSize: after.size,
                        newSize: after.size
                    )
                )
            } else {
                changes.append(.init(path: path, status: .added, binary: false, newSize: after.size))
            }
        }
        for (path, before) in deleted {
            changes.append(.init(path: path, status: .deleted, binary: false, oldSize: before.size))
        }
        return changes.sorted { $0.path < $1.path }
    }

    /// Accumulates file sections under the caps.
    private struct Builder {
        let limits: DiffLimits
        var files: [FileChange] = []
        var text: [UInt8] = []
        var read = 0
        var omitted = 0

        init(limits: DiffLimits) { self.limits = limits }

        mutating func add(
            _ change: FileChange,
            old: [String: FileEntry],
            new: [String: FileEntry],
            content: (ContentHash) throws -> [UInt8]?
        ) rethrows {
            var change = change
            let oldEntry = old[change.from ?? change.path]
            let newEntry = new[change.path]
            let sizes = (oldEntry?.size ?? 0) + (newEntry?.size ?? 0)
            var hunks: UnifiedDiff?
            if max(oldEntry?.size ?? 0, newEntry?.size ?? 0) > limits.maxFileBytes {
                change.binary = true
            } else if read + sizes <= limits.maxReadBytes {
                read += sizes
                let before = try oldEntry.map { try content($0.hash) ?? [] } ?? []
                let after = try newEntry.map { try content($0.hash) ?? [] } ?? []
                if Self.isBinary(before) || Self.isBinary(after) {
                    change.binary = true
                } else if change.status != .renamed {
                    hunks = UnifiedDiff(old: before, new: after, context: limits.context)
                }
            }
            if change.status == .renamed, !change.binary {
                change.additions = 0
                change.deletions = 0
            } else if let hunks {
                change.additions = hunks.additions
                change.deletions = hunks.deletions
            }
            files.append(change)
            let diffed = change.binary || change.status == .renamed || hunks != nil
            let section = diffed ? Self.section(change, hunks: hunks?.text ?? []) : []
            if !diffed || omitted > 0 || text.count + section.count > limits.maxDiffBytes {
                omitted += 1
            } else {
                text += section
            }
        }

        /// Like git: a NUL byte in the first 8000 bytes; also anything that is not UTF-8.
        static func isBinary(_ bytes: [UInt8]) -> Bool {
            bytes.prefix(8000).contains(0) || String(validating: bytes, as: UTF8.self) == nil
        }

        /// A file's `diff --git` section.
        static func section(_ change: FileChange, hunks: [UInt8]) -> [UInt8] {
            let path = change.path
            var lines = ["diff --git a/\(change.from ?? path) b/\(path)"]
            var oldName = "a/\(path)"
            var newName = "b/\(path)"
            switch change.status {
            case .added:
                lines.append("new file mode 100644")
                oldName = "/dev/null"
            case .deleted:
                lines.append("deleted file mode 100644")
                newName = "/dev/null"
            case .renamed:
                lines += ["similarity index 100%", "rename from \(change.from ?? path)", "rename to \(path)"]
            case .modified:
                break
            }
            if change.binary, change.status != .renamed {
                lines.append("Binary files \(oldName) and \(newName) differ")
            } else if !hunks.isEmpty {
                lines += ["--- \(oldName)", "+++ \(newName)"]
            }
            return Array((lines.joined(separator: "\n") + "\n").utf8) + hunks
        }
    }
}

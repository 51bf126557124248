import Foundation
import Glibc

/// What `fazt dev` watches: every deployable file of a folder with its size and change times,
/// read with `lstat` only (no file is opened), so a scan of a small app costs microseconds.
struct FolderSnapshot: Equatable, Sendable {
    /// One file's identity as far as change detection goes.
    struct Stamp: Equatable, Sendable {
        var size: Int64
        var modified: Int64
        var changed: Int64
        var inode: UInt64
    }

    /// Stamps by path relative to the folder (`api/hello.js`).
    var files: [String: Stamp]

    /// Scans `root`, skipping what `fazt deploy` skips (dotfiles, `node_modules`, links).
    static func scan(_ root: URL) -> FolderSnapshot {
        var files: [String: Stamp] = [:]
        func walk(_ folder: String, _ prefix: String) {
            guard let directory = opendir(folder) else { return }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name == "." || name == ".." || DirectoryPacker.shouldSkip(name, prefix: prefix) { continue }
                let path = folder + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    walk(path, prefix + name + "/")
                case S_IFREG:
                    files[prefix + name] = Stamp(
                        size: Int64(info.st_size),
                        modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                        changed: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec),
                        inode: UInt64(info.st_ino)
                    )
                default:
                    continue
                }
            }
        }
        walk(root.path, "")
        return FolderSnapshot(files: files)
    }

    /// The paths added, changed or removed since `old`, sorted.
    func changes(since old: FolderSnapshot?) -> [String] {
        guard let old else { return files.keys.sorted() }
        var paths = Set<String>()
        for (path, stamp) in files where old.files[path] != stamp { paths.insert(path) }
        for path in old.files.keys where files[path] == nil { paths.insert(path) }
        return paths.sorted()
    }
}

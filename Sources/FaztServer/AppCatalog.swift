import FaztRuntime
import FaztVFS
import Synchronization

/// An app's live version with the per-file response headers worked out once, at load.
struct ServedApp: Sendable {
    var snapshot: AppSnapshot
    /// `Last-Modified` for every file of the version (the version's creation time).
    var lastModified: String
    /// `Cache-Control` by path.
    var cacheControl: [String: String]
    /// Which `api/` file answers which `/api` path.
    var router: HandlerRouter

    /// `vfs` reads `api/index.js` when the router needs to know whether it is Workers-style
    /// (blocking: call off event loops).
    init(_ snapshot: AppSnapshot, vfs: VFS? = nil) {
        self.snapshot = snapshot
        self.lastModified = HTTPDate.format(epochSeconds: snapshot.createdAt / 1000)
        var policies: [String: String] = [:]
        policies.reserveCapacity(snapshot.files.count)
        for (path, entry) in snapshot.files {
            policies[path] = StaticResolver.cacheControl(path: path, mime: entry.mime)
        }
        self.cacheControl = policies
        self.router = HandlerRouter(files: snapshot.files.keys) { path in
            guard let vfs, let entry = snapshot.files[path], let blob = try? vfs.blob(entry.hash) else { return nil }
            return String(decoding: blob.data, as: UTF8.self)
        }
    }
}

/// Live-version snapshots of apps, so routing a static request never touches SQLite.
///
/// Entries are replaced by `invalidate` whenever this process deploys, rolls back or deletes.
final class AppCatalog: Sendable {
    enum Lookup {
        case live(ServedApp)
        case missing
        case unknown
    }

    private enum Entry {
        case live(ServedApp)
        case missing
    }

    private let entries = Mutex([String: Entry]())
    private let vfs: VFS
    /// Most apps whose snapshots are kept in memory.
    let capacity: Int

    init(vfs: VFS, capacity: Int = 512) {
        self.vfs = vfs
        self.capacity = capacity
    }

    func lookup(_ app: String) -> Lookup {
        entries.withLock { entries in
            switch entries[app] {
            case .live(let app): return .live(app)
            case .missing: return .missing
            case nil: return .unknown
            }
        }
    }

    /// Loads an app's snapshot from the database (blocking) and remembers it.
    func load(_ app: String) throws -> ServedApp? {
        let served = try vfs.snapshot(app: app).map { ServedApp($0, vfs: vfs) }
        entries.withLock { entries in
            if entries.count >= capacity, let victim = entries.keys.first { entries[victim] = nil }
            entries[app] = served.map { .live($0) } ?? .missing
        }
        return served
    }

    func invalidate(_ app: String) {
        _ = entries.withLock { $0.removeValue(forKey: app) }
    }
}

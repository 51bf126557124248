import FaztVFS
import Synchronization

/// Live-version snapshots of apps, so routing a static request never touches SQLite.
///
/// Entries are replaced by `invalidate` whenever this process deploys, rolls back or deletes.
final class AppCatalog: Sendable {
    enum Lookup {
        case live(AppSnapshot)
        case missing
        case unknown
    }

    private enum Entry {
        case live(AppSnapshot)
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
            case .live(let snapshot): return .live(snapshot)
            case .missing: return .missing
            case nil: return .unknown
            }
        }
    }

    /// Loads an app's snapshot from the database (blocking) and remembers it.
    func load(_ app: String) throws -> AppSnapshot? {
        let snapshot = try vfs.snapshot(app: app)
        entries.withLock { entries in
            if entries.count >= capacity, let victim = entries.keys.first { entries[victim] = nil }
            entries[app] = snapshot.map { .live($0) } ?? .missing
        }
        return snapshot
    }

    func invalidate(_ app: String) {
        _ = entries.withLock { $0.removeValue(forKey: app) }
    }
}

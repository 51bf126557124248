import Foundation
import Glibc

/// An exclusive advisory lock (`flock`) on `<data.db>.lock`, held by `fazt serve` for its whole life,
/// so offline tools (`fazt backup restore`) can tell that a live server owns the database.
///
/// The kernel drops the lock when the process dies, kill -9 included: a stale lock file is harmless.
/// A separate file, not `data.db` itself: closing any descriptor of `data.db` would drop SQLite's
/// own POSIX locks on it.
public final class DatabaseLock: Sendable {
    private let descriptor: Int32
    /// The lock file's path.
    public let path: String

    /// The lock file that guards `databasePath`.
    public static func lockPath(for databasePath: String) -> String { databasePath + ".lock" }

    /// Takes the lock, or returns nil when another process holds it; throws when the file cannot
    /// be opened.
    public static func acquire(databasePath: String) throws -> DatabaseLock? {
        let path = lockPath(for: databasePath)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(code: .sqlite(0), message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var result: Int32
        repeat { result = flock(descriptor, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else {
            close(descriptor)
            return nil
        }
        return DatabaseLock(descriptor: descriptor, path: path)
    }

    /// True when a live process holds the lock of `databasePath` (checked without keeping it).
    public static func isHeld(databasePath: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: lockPath(for: databasePath)) else { return false }
        return try acquire(databasePath: databasePath) == nil
    }

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }
}

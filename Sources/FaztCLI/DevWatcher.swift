import FaztServer
import FaztVFS
import Foundation
import Synchronization

/// Keeps the dev app's one version in step with its folder: a poll of `lstat` stamps every 100 ms
/// (a change is synced once it held still for one tick: editors write in several steps), and a
/// check before every request, so a save is visible at the very next request even between polls.
///
/// Syncs run one at a time on `queue`; a folder state that failed to sync (a syntax error) is not
/// tried again until the folder changes, and the files synced last keep serving meanwhile.
final class DevWatcher: Sendable {
    let root: URL
    let app: String
    /// Serializes scans and syncs (requests wait here for their pre-check).
    let queue = DispatchQueue(label: "fazt-dev-sync")
    private let session = Mutex<DevSession?>(nil)
    private let state = Mutex(State())
    private let temporaryDirectory: String

    private struct State {
        var synced: FolderSnapshot?
        var failed: FolderSnapshot?
        /// What the last poll saw (a change is synced once two polls agree).
        var polled: FolderSnapshot?
        var stopped = false
    }

    init(root: URL, app: String, temporaryDirectory: String) {
        self.root = root
        self.app = app
        self.temporaryDirectory = temporaryDirectory
    }

    /// Starts watching with the server's session: the first sync, then the poll.
    func start(_ session: DevSession, ready: @escaping @Sendable (DevSession.SyncResult?) -> Void) {
        self.session.withLock { $0 = session }
        queue.async { [self] in
            let first = syncIfChanged()
            ready(first)
            let thread = Thread { [self] in poll() }
            thread.name = "fazt-dev-watch"
            thread.start()
        }
    }

    func stop() { state.withLock { $0.stopped = true } }

    /// Runs `proceed` once the folder's current state is synced (the request pre-check).
    func beforeRequest(_ proceed: @escaping @Sendable () -> Void) {
        queue.async { [self] in
            syncIfChanged()
            proceed()
        }
    }

    private func poll() {
        while !state.withLock({ $0.stopped }) {
            Thread.sleep(forTimeInterval: 0.1)
            let now = FolderSnapshot.scan(root)
            let settled = state.withLock { state -> Bool in
                defer { state.polled = now }
                return state.polled == now && now != state.synced && now != state.failed
            }
            if settled { queue.sync { _ = syncIfChanged() } }
        }
    }

    /// Syncs the folder when it differs from what was synced (or failed) last; on `queue` only.
    @discardableResult
    private func syncIfChanged() -> DevSession.SyncResult? {
        guard let session = session.withLock({ $0 }) else { return nil }
        let now = FolderSnapshot.scan(root)
        let previous = state.withLock { state -> FolderSnapshot?? in
            state.synced == now || state.failed == now ? .none : .some(state.synced)
        }
        guard let previous else { return nil }
        let changed = now.changes(since: previous)
        let archive = temporaryDirectory + "/dev-sync-\(getpid()).tar.gz"
        defer { unlink(archive) }
        do {
            let packed = try DirectoryPacker.pack(root, into: archive)
            guard packed.files > 0 else { throw CLIError("\(root.path) has no files to serve yet") }
            let result = try session.sync(app: app, archivePath: archive)
            state.withLock {
                $0.synced = now
                $0.failed = nil
            }
            if previous != nil {
                Self.say("reloaded \(Self.list(changed)) (version \(result.version), updated in place)")
            }
            return result
        } catch {
            state.withLock { $0.failed = now }
            let message = (error as? VFSError)?.message ?? "\(error)"
            Self.say("error: \(message)\n  (the files synced last keep serving; save again to retry)")
            return nil
        }
    }

    private static func list(_ paths: [String]) -> String {
        if paths.isEmpty { return "the folder" }
        return paths.count <= 5 ? paths.joined(separator: ", ") : paths.prefix(4).joined(separator: ", ") + ", …"
    }

    /// One message on stderr, written at once.
    static func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

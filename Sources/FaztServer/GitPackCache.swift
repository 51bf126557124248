import FaztGit
import FaztVFS
import NIOPosix

/// Builds the clone pack of an app's `main` after a deploy, off the request path, so the next clone
/// is answered from `git_pack_cache` instead of walking and compressing every object.
enum GitPackCache {
    /// `onlyIfUsed`: build only for an app that was cloned before (a zip deploy of an app nobody
    /// uses through git should not store a second copy of its content).
    static func refresh(app: String, vfs: VFS, pool: NIOThreadPool, onlyIfUsed: Bool) {
        pool.submit { state in
            guard case .active = state else { return }
            // Best effort: without a cached pack, the next clone builds (and caches) it itself.
            try? build(app: app, vfs: vfs, onlyIfUsed: onlyIfUsed)
        }
    }

    static func build(app: String, vfs: VFS, onlyIfUsed: Bool) throws {
        let built = try vfs.withGitStore(app: app) { store -> (GitObjectID, [UInt8])? in
            if onlyIfUsed, try !store.hasCachedPack() { return nil }
            guard let main = try store.refs().first(where: { $0.name == "refs/heads/main" })?.id,
                try store.cachedPack(for: main) == nil
            else { return nil }
            let pack = try GitUploadPack.buildPack(wants: [main], common: [], boundary: [], client: [], store: store)
            return (main, pack)
        }
        if let (commit, pack) = built { try vfs.cacheGitPack(app: app, commit: commit, pack: pack) }
    }
}

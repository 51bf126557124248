import FaztGit
import FaztStore

/// Reads one app's git view of `data.db`: its refs, and objects by id (trees, commits and tags from
/// `git_objects`, blobs from `blobs` by `git_oid`).
///
/// Objects are stored once for all apps, so a caller serving one app must check that an id is
/// reachable from that app's refs (`reachable`) before it hands the object out.
public struct GitObjectStore {
    let connection: Connection
    public let app: String

    public init(_ connection: Connection, app: String) {
        self.connection = connection
        self.app = app
    }

    /// The app's refs (`refs/heads/…`), sorted by name.
    public func refs() throws -> [(name: String, id: GitObjectID)] {
        try connection.query("SELECT name, oid FROM git_refs WHERE app = ? ORDER BY name", [.text(app)]) {
            ($0.string(0), $0.bytes(1))
        }.compactMap { name, bytes in GitObjectID(bytes: bytes).map { (name, $0) } }
    }

    /// The object `id`, whoever stored it, or nil.
    public func object(_ id: GitObjectID) throws -> GitObject? {
        if let (type, body) = try connection.queryOne(
            "SELECT type, data FROM git_objects WHERE oid = ?",
            [.blob(id.bytes)],
            { ($0.string(0), $0.bytes(1)) }
        ), let kind = GitObjectType(rawValue: type) {
            return GitObject(known: id, type: kind, body: body)
        }
        guard let data = try blob(id) else { return nil }
        return GitObject(known: id, type: .blob, body: data)
    }

    /// The bytes of blob `id`, or nil.
    public func blob(_ id: GitObjectID) throws -> [UInt8]? {
        try connection.queryOne("SELECT data FROM blobs WHERE git_oid = ?", [.blob(id.bytes)]) { $0.bytes(0) }
    }

    /// The tips this app's history hangs from: its refs and its versions' commits.
    public func tips() throws -> [GitObjectID] {
        var tips = try refs().map(\.id)
        let versions = try connection.query(
            "SELECT commit_oid FROM versions WHERE app = ? AND commit_oid IS NOT NULL ORDER BY n DESC",
            [.text(app)]
        ) { $0.bytes(0) }
        tips.append(contentsOf: versions.compactMap { GitObjectID(bytes: $0) })
        return tips
    }

    /// Everything this app may see: objects reachable from its own refs and versions.
    public func reachable() throws -> GitWalk.Result {
        try GitWalk.reachable(from: tips(), load: object)
    }

    /// The cached full pack of `commit` (a clone of that commit alone), if one was stored.
    public func cachedPack(for commit: GitObjectID) throws -> [UInt8]? {
        try connection.queryOne(
            "SELECT pack FROM git_pack_cache WHERE app = ? AND commit_oid = ?",
            [.text(app), .blob(commit.bytes)]
        ) { $0.bytes(0) }
    }

    /// Stores the full pack of `commit` for later clones, replacing the app's older cached packs.
    public static func cachePack(_ connection: Connection, app: String, commit: GitObjectID, pack: [UInt8]) throws {
        guard try connection.queryOne("SELECT 1 FROM apps WHERE name = ?", [.text(app)], { _ in true }) != nil else {
            return
        }
        try connection.run("DELETE FROM git_pack_cache WHERE app = ?", [.text(app)])
        try connection.run(
            "INSERT INTO git_pack_cache (app, commit_oid, pack, created_at) VALUES (?, ?, ?, ?)",
            [.text(app), .blob(commit.bytes), .blob(pack), .integer(VFS.now())]
        )
    }
}

extension VFS {
    /// Runs `body` with a read view of `app`'s git objects (one read transaction).
    public func withGitStore<T>(app: String, _ body: (GitObjectStore) throws -> T) throws -> T {
        try store.read { try body(GitObjectStore($0, app: app)) }
    }

    /// Stores a clone pack built off the request path.
    public func cacheGitPack(app: String, commit: GitObjectID, pack: [UInt8]) throws {
        try store.writeBlocking { try GitObjectStore.cachePack($0, app: app, commit: commit, pack: pack) }
    }
}

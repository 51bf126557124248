import FaztVFS
import NIOCore
import Synchronization

/// A blob ready to be written to sockets: bytes, gzip variant and precomputed ETags.
struct CachedBlob: Sendable {
    var data: ByteBuffer
    var gzip: ByteBuffer?
    var etag: String
    var gzipETag: String

    init(hash: ContentHash, content: BlobContent) {
        self.data = ByteBuffer(bytes: content.data)
        self.gzip = content.gzip.map { ByteBuffer(bytes: $0) }
        self.etag = "\"\(hash.hex)\""
        self.gzipETag = "\"\(hash.hex)-gz\""
    }

    var cost: Int { data.readableBytes + (gzip?.readableBytes ?? 0) }
}

/// The hot-file cache: blobs by content hash, least recently used evicted past a byte budget.
///
/// Keyed by content hash rather than (app, version, path): a new version that reuses a file hits
/// the same entry, and a replaced file is simply never asked for again and ages out.
final class BlobCache: Sendable {
    private struct Entry {
        var blob: CachedBlob
        var lastUse: UInt64
    }

    private struct State {
        var entries: [ContentHash: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    private let state = Mutex(State())
    /// The byte budget.
    let budget: Int
    /// Larger blobs are never cached (they would evict too much).
    var maxEntryBytes: Int { budget / 8 }

    init(budget: Int) { self.budget = budget }

    func get(_ hash: ContentHash) -> CachedBlob? {
        state.withLock { state in
            guard var entry = state.entries[hash] else {
                state.misses &+= 1
                return nil
            }
            state.hits &+= 1
            state.clock &+= 1
            entry.lastUse = state.clock
            state.entries[hash] = entry
            return entry.blob
        }
    }

    func put(_ hash: ContentHash, _ blob: CachedBlob) {
        let cost = blob.cost
        guard cost <= maxEntryBytes else { return }
        state.withLock { state in
            if let old = state.entries[hash] { state.bytes -= old.blob.cost }
            state.clock &+= 1
            state.entries[hash] = Entry(blob: blob, lastUse: state.clock)
            state.bytes += cost
            while state.bytes > budget, let victim = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.entries[victim.key] = nil
                state.bytes -= victim.value.blob.cost
            }
        }
    }

    /// Bytes currently held.
    var bytes: Int { state.withLock { $0.bytes } }

    /// Lookups answered from the cache and lookups that were not, since start (for metrics).
    var lookups: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }
}

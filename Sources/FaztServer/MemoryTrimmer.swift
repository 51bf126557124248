import CFaztSystem
import FaztStore
import Glibc
import Logging
import NIOCore
import Synchronization

/// Gives memory back when the server goes idle: SQLite page caches, freed heap, and the clean
/// read-only file pages (code, constants) that start-up and past work touched.
///
/// Start-up runs code from all over the binary and its ~60 shared libraries; the kernel maps it in
/// 64 KB chunks, so an idle server would otherwise keep ~25 MB of pages it never runs again. Those
/// pages are clean and file-backed: `MADV_PAGEOUT` drops them, and any that are needed later fault
/// back in from the page cache. Writable mappings are never touched.
final class MemoryTrimmer: Sendable {
    /// When an event loop last started or finished a request; one per loop so that two loops never
    /// write the same cache line.
    final class Activity: Sendable {
        private let last = Atomic<Int64>(0)

        /// Records activity now (one relaxed store).
        func touch() { last.store(NIODeadline.now().uptimeNanoseconds.asInt64, ordering: .relaxed) }

        var lastNanoseconds: Int64 { last.load(ordering: .relaxed) }
    }

    private let activities: [Activity]
    private let trimmedSince = Atomic<Int64>(-1)
    private let idleAfter: Int64
    private let store: Store
    private let logger: Logger

    init(store: Store, activities: [Activity], idleAfter: TimeAmount, logger: Logger) {
        self.store = store
        self.activities = activities
        self.idleAfter = idleAfter.nanoseconds
        self.logger = logger
    }

    /// Lets the next idle check trim again even without new requests.
    ///
    /// Used after the last JavaScript worker exited: its pages were shared with this process until
    /// then, so they could not be released before.
    func allowAnotherTrim() {
        trimmedSince.store(-1, ordering: .relaxed)
    }

    /// True when the server has been idle long enough and has not been trimmed since (non-blocking).
    func shouldTrim() -> Bool {
        let last = activities.map(\.lastNanoseconds).max() ?? 0
        return NIODeadline.now().uptimeNanoseconds.asInt64 - last >= idleAfter
            && trimmedSince.load(ordering: .relaxed) != last
    }

    /// Trims if the server has been idle long enough and has not been trimmed since.
    ///
    /// Returns true when it trimmed. Blocking: call it off the event loops.
    @discardableResult
    func trimIfIdle() -> Bool {
        let last = activities.map(\.lastNanoseconds).max() ?? 0
        guard NIODeadline.now().uptimeNanoseconds.asInt64 - last >= idleAfter,
            trimmedSince.exchange(last, ordering: .relaxed) != last
        else { return false }
        trim()
        return true
    }

    /// Releases what can be released now.
    func trim() {
        store.releaseMemory()
        malloc_trim(0)
        let released = Self.pageOutReadOnlyMappings()
        logger.debug("released idle memory", metadata: ["memory.pagedOutKB": "\(released / 1024)"])
    }

    /// `madvise(MADV_PAGEOUT)` on every read-only, file-backed mapping; returns the bytes advised.
    static func pageOutReadOnlyMappings() -> Int {
        guard let maps = fopen("/proc/self/maps", "r") else { return 0 }
        defer { fclose(maps) }
        var advised = 0
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), maps) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = text.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            // address perms offset dev inode [path]; only private read-only mappings of real files.
            guard fields.count == 6, fields[1].hasPrefix("r"), fields[1].dropFirst().first == "-",
                fields[1].hasSuffix("p"), fields[5].trimmingSpaces.hasPrefix("/")
            else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                let pointer = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            // Kernels before 5.4 answer EINVAL and nothing happens.
            if madvise(pointer, Int(end - start), fazt_madv_pageout()) == 0 { advised += Int(end - start) }
        }
        return advised
    }
}

extension UInt64 {
    fileprivate var asInt64: Int64 { Int64(truncatingIfNeeded: self) }
}

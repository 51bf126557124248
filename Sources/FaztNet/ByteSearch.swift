import Glibc

/// Finding a byte string inside another (memchr for the first byte, then memcmp).
enum ByteSearch {
    /// The offset of the first `needle` in `haystack` at or after `start`, or nil.
    static func find(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = haystack.baseAddress, let pattern = needle.baseAddress, needle.count > 0 else { return nil }
        let first = Int32(needle[0])
        var position = start
        while haystack.count - position >= needle.count {
            let span = haystack.count - position - needle.count + 1
            guard let hit = memchr(base + position, first, span) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + offset, pattern, needle.count) == 0 { return offset }
            position = offset + 1
        }
        return nil
    }
}

/// Reads a version-2 (or 3) pack fed in pieces: whole objects and deltas against objects in the pack
/// (OFS_DELTA, REF_DELTA) or, for a thin pack, against bases the `base` lookup supplies.
///
/// `feed(_:)` enforces the byte limit and checks the header as soon as it arrives; `finish()` checks the
/// trailer checksum, inflates every entry, resolves deltas and returns the pack's objects in pack order
/// (thin-pack bases from outside are not included).
public struct PackReader {
    public let limits: PackLimits
    private let base: (GitObjectID) throws -> GitObject?
    private var buffer: [UInt8] = []
    private var announcedCount: Int?

    public init(limits: PackLimits = PackLimits(), base: @escaping (GitObjectID) throws -> GitObject?) {
        self.limits = limits
        self.base = base
    }

    /// Bytes fed so far.
    public var byteCount: Int { buffer.count }

    /// The object count the pack header announced, once 12 bytes have arrived.
    public var objectCount: Int? { announcedCount }

    /// Adds the next piece of the pack.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws {
        guard buffer.count + bytes.count <= limits.maxPackBytes else {
            throw GitProtocolError("pack exceeds the limit maxPackBytes (\(limits.maxPackBytes) bytes)")
        }
        buffer.append(contentsOf: bytes)
        if announcedCount == nil, buffer.count >= 12 { announcedCount = try checkHeader() }
    }

    private func checkHeader() throws -> Int {
        guard Array(buffer[0..<4]) == Array("PACK".utf8) else {
            throw GitProtocolError("not a pack: the data does not start with PACK")
        }
        let version = Self.bigEndian(buffer, at: 4)
        guard version == 2 || version == 3 else { throw GitProtocolError("unsupported pack version \(version)") }
        let count = Self.bigEndian(buffer, at: 8)
        guard count <= limits.maxObjects else {
            throw GitProtocolError("pack of \(count) objects exceeds the limit maxObjects (\(limits.maxObjects))")
        }
        return count
    }

    /// Checks the whole pack and returns its objects with every delta resolved.
    public mutating func finish() throws -> [GitObject] {
        guard buffer.count >= 32, let count = announcedCount else {
            throw GitProtocolError("truncated pack: \(buffer.count) bytes, a pack has at least 32")
        }
        let end = buffer.count - 20
        let hasher = SHA1Hasher()
        hasher.update(buffer[0..<end])
        guard hasher.finish() == Array(buffer[end...]) else {
            throw GitProtocolError("corrupt or truncated pack: the trailing SHA-1 checksum does not match")
        }
        let entries = try buffer.withUnsafeBufferPointer { try parseEntries(of: $0, count: count, end: end) }
        buffer = []
        var resolver = PackResolver(entries: entries, maxObjectSize: limits.maxObjectSize, base: base)
        return try resolver.resolveAll()
    }

    private func parseEntries(of bytes: UnsafeBufferPointer<UInt8>, count: Int, end: Int) throws -> [PackEntry] {
        var entries: [PackEntry] = []
        entries.reserveCapacity(count)
        var position = 12
        for _ in 0..<count {
            let offset = position
            guard position < end else { throw GitProtocolError("truncated pack: \(entries.count) of \(count) entries") }
            var byte = bytes[position]
            position += 1
            guard let kind = PackEntryKind(rawValue: byte >> 4 & 0x7) else {
                throw GitProtocolError("corrupt pack: unknown entry type \(byte >> 4 & 0x7) at offset \(offset)")
            }
            var size = Int(byte & 0xF)
            var shift = 4
            while byte & 0x80 != 0 {
                guard position < end, shift < 60 else { throw GitProtocolError("corrupt pack: bad entry header") }
                byte = bytes[position]
                position += 1
                size |= Int(byte & 0x7F) << shift
                shift += 7
            }
            guard size <= limits.maxObjectSize else {
                throw GitProtocolError(
                    "object of \(size) bytes exceeds the limit maxObjectSize (\(limits.maxObjectSize) bytes)"
                )
            }
            var base = PackEntry.Base.none
            switch kind {
            case .offsetDelta:
                guard position < end else { throw GitProtocolError("truncated pack: delta offset missing") }
                byte = bytes[position]
                position += 1
                var distance = Int(byte & 0x7F)
                while byte & 0x80 != 0 {
                    guard position < end, distance < 1 << 50 else {
                        throw GitProtocolError("corrupt pack: bad delta offset")
                    }
                    byte = bytes[position]
                    position += 1
                    distance = (distance + 1) << 7 | Int(byte & 0x7F)
                }
                guard distance > 0, distance <= offset - 12 else {
                    throw GitProtocolError("corrupt pack: delta base offset outside the pack at offset \(offset)")
                }
                base = .offset(offset - distance)
            case .referenceDelta:
                guard position + 20 <= end else { throw GitProtocolError("truncated pack: delta base id missing") }
                base = .id(GitObjectID(exactly: bytes[position..<(position + 20)]))
                position += 20
            default: break
            }
            guard position < end else { throw GitProtocolError("truncated pack: entry data missing") }
            let limited = UnsafeBufferPointer(rebasing: bytes[0..<end])
            let (data, consumed) = try Zlib.inflate(limited, from: position, size: size)
            position += consumed
            entries.append(PackEntry(offset: offset, kind: kind, base: base, data: data))
        }
        guard position == end else {
            throw GitProtocolError("corrupt pack: \(end - position) unexpected bytes after the last entry")
        }
        return entries
    }

    static func bigEndian(_ bytes: [UInt8], at index: Int) -> Int {
        Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
    }
}

/// One entry of a pack, inflated but not yet resolved.
struct PackEntry {
    enum Base {
        case none
        case offset(Int)
        case id(GitObjectID)
    }

    var offset: Int
    var kind: PackEntryKind
    var base: Base
    var data: [UInt8]
}

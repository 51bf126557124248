/// Writes a version-2 pack of whole (non-delta) objects, piece by piece so it can be streamed.
///
/// Call `header()` once, `append(_:)` once per object, then `finish()` for the SHA-1 trailer;
/// the pieces joined in order are the pack. The writer checks that exactly `objectCount` objects came.
public struct PackWriter {
    public let objectCount: Int
    private let level: Int32
    private let hasher = SHA1Hasher()
    private var written = 0
    private var headerDone = false

    /// A writer for `objectCount` objects, compressed at zlib `level` (1 fastest … 9 smallest).
    public init(objectCount: Int, level: Int32 = 6) {
        precondition(objectCount >= 0 && objectCount <= Int(UInt32.max), "pack object count out of range")
        self.objectCount = objectCount
        self.level = level
    }

    /// The 12-byte header: `PACK`, version 2, the object count.
    public mutating func header() -> [UInt8] {
        precondition(!headerDone, "pack header written twice")
        headerDone = true
        var out = Array("PACK".utf8)
        out.append(contentsOf: Self.bigEndian(2))
        out.append(contentsOf: Self.bigEndian(UInt32(objectCount)))
        hasher.update(out)
        return out
    }

    /// The header as a property (the same bytes `header()` returns, without consuming it).
    public var bytes: [UInt8] {
        var out = Array("PACK".utf8)
        out.append(contentsOf: Self.bigEndian(2))
        out.append(contentsOf: Self.bigEndian(UInt32(objectCount)))
        return out
    }

    /// The entry of `object`: its type and size header, then its zlib-compressed body.
    public mutating func append(_ object: GitObject) -> [UInt8] {
        precondition(headerDone, "pack entry written before the header")
        precondition(written < objectCount, "more pack entries than the header announced")
        written += 1
        var out = Self.entryHeader(type: PackEntryKind(object.type).rawValue, size: object.body.count)
        out.append(contentsOf: Zlib.deflate(object.body, level: level))
        hasher.update(out)
        return out
    }

    /// The 20-byte SHA-1 of everything written before it.
    public mutating func finish() -> [UInt8] {
        precondition(headerDone && written == objectCount, "pack finished with \(written) of \(objectCount) entries")
        return hasher.finish()
    }

    /// A whole pack of `objects` in one array.
    public static func pack(_ objects: [GitObject], level: Int32 = 6) -> [UInt8] {
        var writer = PackWriter(objectCount: objects.count, level: level)
        var out = writer.header()
        for object in objects { out.append(contentsOf: writer.append(object)) }
        out.append(contentsOf: writer.finish())
        return out
    }

    /// Type in bits 4–6 of the first byte, size in 4 bits and then 7 bits per byte, little end first.
    static func entryHeader(type: UInt8, size: Int) -> [UInt8] {
        var rest = size >> 4
        var byte = type << 4 | UInt8(size & 0xF)
        var out: [UInt8] = []
        while rest > 0 {
            out.append(byte | 0x80)
            byte = UInt8(rest & 0x7F)
            rest >>= 7
        }
        out.append(byte)
        return out
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}

/// The type numbers of pack entries.
enum PackEntryKind: UInt8 {
    case commit = 1
    case tree = 2
    case blob = 3
    case tag = 4
    case offsetDelta = 6
    case referenceDelta = 7

    init(_ type: GitObjectType) {
        switch type {
        case .commit: self = .commit
        case .tree: self = .tree
        case .blob: self = .blob
        case .tag: self = .tag
        }
    }

    var objectType: GitObjectType? {
        switch self {
        case .commit: .commit
        case .tree: .tree
        case .blob: .blob
        case .tag: .tag
        case .offsetDelta, .referenceDelta: nil
        }
    }
}

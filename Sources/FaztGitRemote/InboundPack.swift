import CZlib
import FaztGit

/// Reads a whole version 2 or 3 pack (as a fetch receives it) into objects, resolving
/// `ofs-delta` and `ref-delta` entries; annotated tags are read and dropped.
///
/// Named apart from the server side's `FaztGit.PackReader` so that both can live until they are merged.
struct InboundPack {
    /// Most objects one pack may hold.
    var maxObjects = 200_000
    /// Largest expanded object.
    var maxObjectBytes = 100 * 1024 * 1024
    /// Objects the pack's ref-deltas may use as bases although the pack lacks them (thin packs).
    var base: (GitObjectID) throws -> GitObject? = { _ in nil }

    private struct Entry {
        var type: UInt8
        var body: [UInt8]
    }

    /// The pack's objects (tags left out), each once.
    func decode(_ pack: ArraySlice<UInt8>) throws -> [GitObject] {
        let bytes = Array(pack)
        guard bytes.count >= 32, Array(bytes[0..<4]) == Array("PACK".utf8) else {
            throw GitRemoteError.badPack("it does not start with a pack header")
        }
        let version = Self.bigEndian(bytes, 4)
        guard version == 2 || version == 3 else { throw GitRemoteError.badPack("unsupported pack version \(version)") }
        let count = Int(Self.bigEndian(bytes, 8))
        guard count <= maxObjects else {
            throw GitRemoteError.badPack("it holds \(count) objects, more than the \(maxObjects) allowed")
        }
        let end = bytes.count - 20
        guard OutboundPack.sha1(bytes[0..<end]) == Array(bytes[end...]) else {
            throw GitRemoteError.badPack("its SHA-1 trailer does not match (corrupted in transit?)")
        }
        var byOffset: [Int: Entry] = [:]
        var byID: [GitObjectID: Entry] = [:]
        var waiting: [(base: GitObjectID, delta: [UInt8])] = []
        var offset = 12
        for _ in 0..<count {
            let start = offset
            guard offset < end else { throw GitRemoteError.badPack("it ends before its last object") }
            var byte = bytes[offset]
            offset += 1
            let type = (byte >> 4) & 0x7
            var size = Int(byte & 0x0F)
            var shift = 4
            while byte & 0x80 != 0 {
                guard offset < end, shift < 57 else { throw GitRemoteError.badPack("malformed object header") }
                byte = bytes[offset]
                offset += 1
                size |= Int(byte & 0x7F) << shift
                shift += 7
            }
            guard size <= maxObjectBytes else {
                throw GitRemoteError.badPack("an object of \(size) bytes is larger than the \(maxObjectBytes) allowed")
            }
            switch type {
            case 1, 2, 3, 4:
                let (body, used) = try Self.inflate(bytes, at: offset, limit: end, size: size)
                offset += used
                let entry = Entry(type: type, body: body)
                byOffset[start] = entry
                if let object = Self.object(entry) { byID[object.id] = entry }
            case 6:
                guard offset < end else { throw GitRemoteError.badPack("malformed delta offset") }
                byte = bytes[offset]
                offset += 1
                var distance = Int(byte & 0x7F)
                while byte & 0x80 != 0 {
                    guard offset < end, distance < 1 << 48 else { throw GitRemoteError.badPack("malformed delta offset") }
                    byte = bytes[offset]
                    offset += 1
                    distance = ((distance + 1) << 7) | Int(byte & 0x7F)
                }
                let (delta, used) = try Self.inflate(bytes, at: offset, limit: end, size: size)
                offset += used
                guard let base = byOffset[start - distance] else {
                    throw GitRemoteError.badPack("a delta names a base the pack does not hold")
                }
                let entry = Entry(type: base.type, body: try applyDelta(delta, to: base.body))
                byOffset[start] = entry
                if let object = Self.object(entry) { byID[object.id] = entry }
            case 7:
                guard offset + 20 <= end, let baseID = GitObjectID(bytes: Array(bytes[offset..<offset + 20])) else {
                    throw GitRemoteError.badPack("malformed delta base id")
                }
                offset += 20
                let (delta, used) = try Self.inflate(bytes, at: offset, limit: end, size: size)
                offset += used
                waiting.append((baseID, delta))
            default:
                throw GitRemoteError.badPack("unknown object type \(type)")
            }
        }
        guard offset == end else { throw GitRemoteError.badPack("it has bytes after its last object") }
        // Ref-deltas may name bases that come later in the pack or, for thin packs, that we have.
        while !waiting.isEmpty {
            var progress = false
            var still: [(base: GitObjectID, delta: [UInt8])] = []
            for item in waiting {
                var baseEntry = byID[item.base]
                if baseEntry == nil, let local = try base(item.base) {
                    baseEntry = Entry(type: OutboundPack.typeCode(local.type), body: local.body)
                }
                guard let baseEntry else {
                    still.append(item)
                    continue
                }
                let entry = Entry(type: baseEntry.type, body: try applyDelta(item.delta, to: baseEntry.body))
                if let object = Self.object(entry) { byID[object.id] = entry }
                progress = true
            }
            guard progress else {
                throw GitRemoteError.badPack("\(still.count) deltas name bases that neither side has")
            }
            waiting = still
        }
        return byID.values.compactMap(Self.object)
    }

    private static func object(_ entry: Entry) -> GitObject? {
        let type: GitObjectType
        switch entry.type {
        case 1: type = .commit
        case 2: type = .tree
        case 3: type = .blob
        default: return nil
        }
        return GitObject(type: type, body: entry.body)
    }

    private func applyDelta(_ delta: [UInt8], to base: [UInt8]) throws -> [UInt8] {
        var index = 0
        func varint() throws -> Int {
            var value = 0
            var shift = 0
            while true {
                guard index < delta.count, shift < 57 else { throw GitRemoteError.badPack("malformed delta") }
                let byte = delta[index]
                index += 1
                value |= Int(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { return value }
            }
        }
        let sourceSize = try varint()
        let targetSize = try varint()
        guard sourceSize == base.count, targetSize <= maxObjectBytes else {
            throw GitRemoteError.badPack("a delta does not fit its base")
        }
        var out: [UInt8] = []
        out.reserveCapacity(targetSize)
        while index < delta.count {
            let op = delta[index]
            index += 1
            if op & 0x80 != 0 {
                var copyOffset = 0
                var copySize = 0
                for bit in 0..<4 where op & (1 << bit) != 0 {
                    guard index < delta.count else { throw GitRemoteError.badPack("malformed delta copy") }
                    copyOffset |= Int(delta[index]) << (8 * bit)
                    index += 1
                }
                for bit in 0..<3 where op & (0x10 << bit) != 0 {
                    guard index < delta.count else { throw GitRemoteError.badPack("malformed delta copy") }
                    copySize |= Int(delta[index]) << (8 * bit)
                    index += 1
                }
                if copySize == 0 { copySize = 0x10000 }
                guard copyOffset + copySize <= base.count else {
                    throw GitRemoteError.badPack("a delta copies past the end of its base")
                }
                out.append(contentsOf: base[copyOffset..<copyOffset + copySize])
            } else if op != 0 {
                let length = Int(op)
                guard index + length <= delta.count else { throw GitRemoteError.badPack("malformed delta insert") }
                out.append(contentsOf: delta[index..<index + length])
                index += length
            } else {
                throw GitRemoteError.badPack("a delta uses the reserved instruction 0")
            }
            guard out.count <= targetSize else { throw GitRemoteError.badPack("a delta grows past its size") }
        }
        guard out.count == targetSize else { throw GitRemoteError.badPack("a delta's result has the wrong size") }
        return out
    }

    /// Inflates one zlib stream starting at `offset`: its `size` bytes and how many input bytes it used.
    private static func inflate(_ bytes: [UInt8], at offset: Int, limit: Int, size: Int) throws -> ([UInt8], Int) {
        var stream = z_stream()
        guard fazt_inflate_init_auto(&stream) == Z_OK else { throw GitRemoteError.badPack("zlib failed to start") }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: size + 1)
        let status: Int32 = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + offset)
                stream.avail_in = uInt(limit - offset)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(output.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else {
            throw GitRemoteError.badPack("an object does not inflate to its stated size")
        }
        out.removeLast()
        return (out, Int(stream.total_in))
    }

    private static func bigEndian(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}

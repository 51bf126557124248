/// Applies git's delta encoding: a base size, a result size, then copy and insert instructions.
enum PackDelta {
    /// The result of applying `delta` to `base`; throws on a delta that does not fit its base.
    static func apply(_ delta: [UInt8], to base: [UInt8], maxSize: Int) throws -> [UInt8] {
        var position = 0
        let baseSize = try varint(delta, &position)
        let resultSize = try varint(delta, &position)
        guard baseSize == base.count else {
            throw GitProtocolError("corrupt delta: made for a \(baseSize)-byte base, the base has \(base.count) bytes")
        }
        guard resultSize <= maxSize else {
            throw GitProtocolError("object of \(resultSize) bytes exceeds the limit maxObjectSize (\(maxSize) bytes)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(resultSize)
        while position < delta.count {
            let op = delta[position]
            position += 1
            if op & 0x80 != 0 {
                var offset = 0
                var size = 0
                for bit in 0..<4 where op & (1 << bit) != 0 {
                    guard position < delta.count else { throw GitProtocolError("corrupt delta: truncated copy") }
                    offset |= Int(delta[position]) << (8 * bit)
                    position += 1
                }
                for bit in 0..<3 where op & (0x10 << bit) != 0 {
                    guard position < delta.count else { throw GitProtocolError("corrupt delta: truncated copy") }
                    size |= Int(delta[position]) << (8 * bit)
                    position += 1
                }
                if size == 0 { size = 0x10000 }
                guard offset + size <= base.count, out.count + size <= resultSize else {
                    throw GitProtocolError("corrupt delta: copy outside its base or result")
                }
                out.append(contentsOf: base[offset..<(offset + size)])
            } else if op != 0 {
                let size = Int(op)
                guard position + size <= delta.count, out.count + size <= resultSize else {
                    throw GitProtocolError("corrupt delta: truncated insert")
                }
                out.append(contentsOf: delta[position..<(position + size)])
                position += size
            } else {
                throw GitProtocolError("corrupt delta: reserved instruction 0")
            }
        }
        guard out.count == resultSize else {
            throw GitProtocolError("corrupt delta: produced \(out.count) bytes, announced \(resultSize)")
        }
        return out
    }

    /// 7 bits per byte, little end first, high bit = more.
    private static func varint(_ bytes: [UInt8], _ position: inout Int) throws -> Int {
        var value = 0
        var shift = 0
        while true {
            guard position < bytes.count, shift < 56 else { throw GitProtocolError("corrupt delta: bad size header") }
            let byte = bytes[position]
            position += 1
            value |= Int(byte & 0x7F) << shift
            shift += 7
            if byte & 0x80 == 0 { return value }
        }
    }
}

/// The subset of CBOR (RFC 8949) that WebAuthn needs.
///
/// Unsigned and negative integers, byte and text strings, arrays, maps, booleans and null;
/// definite lengths only, nesting bounded.
indirect enum CBORValue: Equatable {
    case int(Int64)
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    case map([(CBORValue, CBORValue)])
    case bool(Bool)
    case null

    static func == (lhs: CBORValue, rhs: CBORValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.text(let a), .text(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    /// The value under `key` in a map.
    subscript(key: CBORValue) -> CBORValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    /// Reads one value from `bytes` at `offset`, moving `offset` past it.
    static func read(_ bytes: [UInt8], at offset: inout Int, depth: Int = 0) throws(KernelError) -> CBORValue {
        guard depth < 16 else { throw malformed("nested too deeply") }
        guard offset < bytes.count else { throw malformed("ends early") }
        let initial = bytes[offset]
        offset += 1
        let major = initial >> 5
        let argument = try length(initial & 0x1f, bytes, &offset)
        switch major {
        case 0:
            guard argument <= UInt64(Int64.max) else { throw malformed("integer too large") }
            return .int(Int64(argument))
        case 1:
            guard argument < UInt64(Int64.max) else { throw malformed("integer too large") }
            return .int(-1 - Int64(argument))
        case 2, 3:
            guard argument <= UInt64(bytes.count - offset) else { throw malformed("string runs past the end") }
            let slice = Array(bytes[offset..<offset + Int(argument)])
            offset += Int(argument)
            guard major == 3 else { return .bytes(slice) }
            guard let text = String(validating: slice, as: UTF8.self) else { throw malformed("text is not UTF-8") }
            return .text(text)
        case 4:
            guard argument <= UInt64(bytes.count - offset) else { throw malformed("array runs past the end") }
            var items: [CBORValue] = []
            for _ in 0..<argument { items.append(try read(bytes, at: &offset, depth: depth + 1)) }
            return .array(items)
        case 5:
            guard argument <= UInt64(bytes.count - offset) else { throw malformed("map runs past the end") }
            var pairs: [(CBORValue, CBORValue)] = []
            for _ in 0..<argument {
                let key = try read(bytes, at: &offset, depth: depth + 1)
                pairs.append((key, try read(bytes, at: &offset, depth: depth + 1)))
            }
            return .map(pairs)
        case 7:
            switch initial & 0x1f {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22: return .null
            default: throw malformed("unsupported simple value")
            }
        default:
            throw malformed("unsupported major type \(major)")
        }
    }

    private static func length(_ info: UInt8, _ bytes: [UInt8], _ offset: inout Int) throws(KernelError) -> UInt64 {
        let size: Int
        switch info {
        case 0..<24: return UInt64(info)
        case 24: size = 1
        case 25: size = 2
        case 26: size = 4
        case 27: size = 8
        default: throw malformed("indefinite lengths are not supported")
        }
        guard offset + size <= bytes.count else { throw malformed("ends early") }
        var value: UInt64 = 0
        for byte in bytes[offset..<offset + size] { value = value << 8 | UInt64(byte) }
        offset += size
        return value
    }

    private static func malformed(_ why: String) -> KernelError {
        KernelError(.invalidArgument, "malformed CBOR: \(why)")
    }
}

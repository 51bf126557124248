/// Base64 with the URL-safe alphabet (`-`, `_`) and no padding (RFC 4648 §5), as tokens use it.
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The value of each alphabet byte; 0xFF for bytes outside it.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var group = 0 as UInt32
            for (position, byte) in chunk.enumerated() { group |= UInt32(byte) << (16 - 8 * UInt32(position)) }
            for position in 0...chunk.count { out.append(alphabet[Int((group >> (18 - 6 * UInt32(position))) & 0x3F)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `text` spells, or nil for padding, a byte outside the alphabet, an impossible
    /// length, or unused bits that are not zero (so each byte string has exactly one spelling).
    static func decode(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count * 3 / 4)
        var index = 0
        while index < digits.count {
            let chunk = digits[index..<min(index + 4, digits.count)]
            var group = 0 as UInt32
            for (position, digit) in chunk.enumerated() {
                let value = values[Int(digit)]
                guard value != 0xFF else { return nil }
                group |= UInt32(value) << (18 - 6 * UInt32(position))
            }
            let produced = chunk.count - 1
            for position in 0..<produced { out.append(UInt8((group >> (16 - 8 * UInt32(position))) & 0xFF)) }
            // Bits below the last whole byte must be zero.
            guard group & ((1 << (24 - 8 * UInt32(produced))) - 1) == 0 else { return nil }
            index += 4
        }
        return out
    }
}

/// Git's pkt-line framing: four hex digits of length (counting themselves), then the payload.
public enum PktLine {
    /// The largest payload one pkt-line may carry (65520 bytes in all).
    public static let maxPayload = 65516

    /// One packet read back by `PktLineReader`.
    public enum Packet: Sendable, Equatable {
        case data([UInt8])
        /// `0000`: the end of a list or a section.
        case flush
        /// `0001`: protocol v2 section delimiter.
        case delim
        /// `0002`: protocol v2 end of response.
        case responseEnd
    }

    /// `0000`.
    public static let flush: [UInt8] = Array("0000".utf8)

    /// A data packet around `payload` (at most `maxPayload` bytes; callers split larger data).
    public static func data(_ payload: some Collection<UInt8>) -> [UInt8] {
        precondition(payload.count <= maxPayload, "pkt-line payload over \(maxPayload) bytes")
        var out = lengthPrefix(payload.count + 4)
        out.append(contentsOf: payload)
        return out
    }

    /// A text packet: `s` followed by a newline.
    public static func text(_ s: String) -> [UInt8] {
        var payload = Array(s.utf8)
        payload.append(UInt8(ascii: "\n"))
        return data(payload)
    }

    static func lengthPrefix(_ length: Int) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [12, 8, 4, 0].map { digits[(length >> $0) & 0xF] }
    }
}

/// Reads pkt-lines one at a time from a byte buffer.
public struct PktLineReader {
    private let bytes: [UInt8]
    private var position: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
    }

    /// The bytes after the last packet read (for a push: the pack after the commands).
    public var remaining: ArraySlice<UInt8> { bytes[position...] }

    /// The next packet, or nil at the end of the buffer; throws on a malformed or truncated packet.
    public mutating func next() throws -> PktLine.Packet? {
        guard position < bytes.count else { return nil }
        guard bytes.count - position >= 4 else {
            throw GitProtocolError(
                "truncated pkt-line: \(bytes.count - position) bytes where a 4-digit length was expected"
            )
        }
        var length = 0
        for offset in 0..<4 {
            guard let value = Self.hexValue(bytes[position + offset]) else {
                let text = String(decoding: bytes[position..<(position + 4)], as: UTF8.self)
                throw GitProtocolError("malformed pkt-line length \"\(text)\" (expected 4 hex digits)")
            }
            length = length << 4 | value
        }
        switch length {
        case 0:
            position += 4
            return .flush
        case 1:
            position += 4
            return .delim
        case 2:
            position += 4
            return .responseEnd
        case 3:
            throw GitProtocolError("malformed pkt-line length 0003")
        default:
            guard bytes.count - position >= length else {
                throw GitProtocolError(
                    "truncated pkt-line: \(length) bytes announced, \(bytes.count - position) present"
                )
            }
            let payload = Array(bytes[(position + 4)..<(position + length)])
            position += length
            return .data(payload)
        }
    }

    private static func hexValue(_ digit: UInt8) -> Int? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(digit - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(digit - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(digit - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

/// pkt-line framing for the smart HTTP client (gitprotocol-common): four hex digits of length,
/// counting themselves, then the payload; `0000` is a flush.
///
/// Named apart from the server side's `FaztGit.PktLine` so that both can live until they are merged.
enum RemotePktLine {
    /// The largest payload of one line (65520 bytes in all).
    static let maxPayload = 65516

    /// One line carrying `payload`.
    static func data(_ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 4
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [
            digits[(length >> 12) & 0xF], digits[(length >> 8) & 0xF], digits[(length >> 4) & 0xF], digits[length & 0xF],
        ]
        out.append(contentsOf: payload)
        return out
    }

    /// One line carrying `text` (callers add the trailing newline the protocol wants).
    static func text(_ text: String) -> [UInt8] { data(Array(text.utf8)) }

    /// The flush packet.
    static let flush = Array("0000".utf8)
}

/// A packet read by `RemotePktReader`.
enum RemotePacket: Equatable {
    case data([UInt8])
    case flush
    /// `0001` (protocol v2 delimiter) or `0002` (response end): never expected in v0 and treated as flush.
    case special
}

/// Reads pkt-lines from a buffer that holds a whole response.
struct RemotePktReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// The bytes after the last packet read (a raw pack that follows `NAK` without side-band).
    var remaining: ArraySlice<UInt8> { bytes[offset...] }

    /// The next packet, nil at the end of the buffer; throws on a malformed length.
    mutating func next() throws(GitRemoteError) -> RemotePacket? {
        guard offset < bytes.count else { return nil }
        guard offset + 4 <= bytes.count else { throw .protocolError("a pkt-line is cut short") }
        var length = 0
        for byte in bytes[offset..<offset + 4] {
            guard let digit = Self.hexValue(byte) else {
                throw .protocolError("malformed pkt-line length '\(String(decoding: bytes[offset..<offset + 4], as: UTF8.self))'")
            }
            length = length << 4 | digit
        }
        switch length {
        case 0:
            offset += 4
            return .flush
        case 1, 2:
            offset += 4
            return .special
        case 3:
            throw .protocolError("malformed pkt-line length 0003")
        default:
            guard offset + length <= bytes.count else { throw .protocolError("a pkt-line is cut short") }
            let payload = Array(bytes[(offset + 4)..<(offset + length)])
            offset += length
            return .data(payload)
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

/// Splits a side-band stream (band 1 data, band 2 progress, band 3 fatal) into its parts.
struct RemoteSideband {
    /// Band 1, concatenated.
    var data: [UInt8] = []
    /// Band 2 text, split into lines (git's `remote:` lines), without empty lines.
    var messages: [String] = []
    /// Band 3 text, when the remote gave up.
    var fatal: String?

    private var partial = ""

    /// Takes one side-band packet payload (band byte first).
    mutating func take(_ payload: [UInt8]) throws(GitRemoteError) {
        guard let band = payload.first else { return }
        let rest = payload.dropFirst()
        switch band {
        case 1: data.append(contentsOf: rest)
        case 2: addProgress(String(decoding: rest, as: UTF8.self))
        case 3: fatal = (fatal ?? "") + String(decoding: rest, as: UTF8.self)
        default: throw .protocolError("unknown side-band channel \(band)")
        }
    }

    /// Ends the stream: keeps any unterminated progress line.
    mutating func finish() {
        let last = partial.trimmingTrailingSpace
        if !last.isEmpty { messages.append(last) }
        partial = ""
    }

    private mutating func addProgress(_ text: String) {
        partial += text
        // Progress uses `\r` to redraw a line; only its final state is kept.
        while let index = partial.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            let line = String(partial[..<index]).trimmingTrailingSpace
            let isRedraw = partial[index] == "\r"
            partial = String(partial[partial.index(after: index)...])
            if isRedraw { continue }
            if !line.isEmpty { messages.append(line) }
        }
    }
}

extension String {
    var trimmingTrailingSpace: String {
        var text = self
        while let last = text.last, last == " " || last == "\n" || last == "\r" || last == "\t" { text.removeLast() }
        return text
    }
}

/// Side-band multiplexing (`side-band-64k`): each pkt-line's first byte names its band.
///
/// Band 1 carries data (a pack or a push report), band 2 progress text (shown by git as `remote: …`),
/// band 3 a fatal error (git dies with `remote error: …`).
public enum Sideband {
    public static let dataBand: UInt8 = 1
    public static let progressBand: UInt8 = 2
    public static let errorBand: UInt8 = 3

    /// `bytes` as pkt-lines on `band`, at most `max` data bytes each (65515 for side-band-64k, 999 for side-band).
    public static func packets(band: UInt8, _ bytes: [UInt8], max: Int = 65515) -> [UInt8] {
        precondition(max > 0 && max < PktLine.maxPayload, "side-band packet size out of range")
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + (bytes.count / max + 1) * 5)
        var start = 0
        while start < bytes.count {
            let end = min(start + max, bytes.count)
            out.append(contentsOf: PktLine.lengthPrefix(end - start + 5))
            out.append(band)
            out.append(contentsOf: bytes[start..<end])
            start = end
        }
        return out
    }

    /// A progress message on band 2 (a newline is added), shown by git as `remote: <text>`.
    public static func progressMessage(_ text: String) -> [UInt8] {
        packets(band: progressBand, Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// One message read back by `SidebandReader`.
    public enum Message: Sendable, Equatable {
        case data([UInt8])
        case progress(String)
        case flush
    }
}

/// Demultiplexes a side-band response (for clients): data, progress, and band-3 errors as thrown errors.
public struct SidebandReader {
    private var lines: PktLineReader

    public init(_ bytes: [UInt8]) {
        lines = PktLineReader(bytes)
    }

    /// The bytes after the last packet read.
    public var remaining: ArraySlice<UInt8> { lines.remaining }

    /// The next message, or nil at the end; a band-3 packet throws its text as a `GitProtocolError`.
    public mutating func next() throws -> Sideband.Message? {
        guard let packet = try lines.next() else { return nil }
        switch packet {
        case .flush, .delim, .responseEnd: return .flush
        case .data(let payload):
            guard let band = payload.first else { throw GitProtocolError("empty side-band packet") }
            let body = Array(payload.dropFirst())
            switch band {
            case Sideband.dataBand: return .data(body)
            case Sideband.progressBand: return .progress(String(decoding: body, as: UTF8.self))
            case Sideband.errorBand:
                throw GitProtocolError("remote error: " + String(decoding: body, as: UTF8.self))
            default: throw GitProtocolError("unknown side-band \(band)")
            }
        }
    }

    /// Reads to the end or the first flush: the band-1 bytes joined, and the band-2 text joined.
    public mutating func collect() throws -> (data: [UInt8], progress: String) {
        var data: [UInt8] = []
        var progress = ""
        while let message = try next() {
            switch message {
            case .data(let bytes): data.append(contentsOf: bytes)
            case .progress(let text): progress += text
            case .flush: return (data, progress)
            }
        }
        return (data, progress)
    }
}

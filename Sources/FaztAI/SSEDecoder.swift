/// One server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field, or `message` when the event had none.
    public var event: String
    /// The `data:` lines joined with `\n`.
    public var data: String
    /// The last `id:` seen on the stream, if any.
    public var id: String?
    /// The `retry:` field in milliseconds, when this event had one.
    public var retry: Int?

    /// Creates an event.
    public init(event: String = "message", data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }
}

/// An incremental decoder of `text/event-stream` bodies (the WHATWG event-stream format): feed it byte
/// chunks of any size as they arrive; it returns the events each chunk completes.
///
/// Bytes become text only per complete line, so a character split across chunks stays intact, and a
/// `\r` ending one chunk pairs with the `\n` that may start the next.
public struct SSEDecoder: Sendable {
    private var line: [UInt8] = []
    private var afterCR = false
    private var checkingBOM = true
    private var eventType = ""
    private var dataLines: [String] = []
    private var hasData = false
    private var lastEventID: String?
    private var retry: Int?

    /// The longest line accepted, in bytes; a longer line ends decoding and sets `overflowed`.
    public let maxLineBytes: Int
    /// Whether a line was longer than `maxLineBytes` (a broken or hostile upstream); from then on the
    /// decoder returns nothing and the stream should be treated as failed.
    public private(set) var overflowed = false

    /// Creates a decoder at the start of a stream.
    ///
    /// The line limit bounds memory whatever the upstream sends.
    public init(maxLineBytes: Int = 16 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Decodes `bytes` and returns the events they complete.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard !overflowed else { return [] }
        for byte in bytes {
            if afterCR {
                afterCR = false
                // The `\n` of a `\r\n` pair: the line already ended at the `\r`.
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                afterCR = true
                endLine(into: &events)
            case 0x0A:
                endLine(into: &events)
            default:
                guard line.count < maxLineBytes else {
                    overflowed = true
                    line.removeAll()
                    return events
                }
                line.append(byte)
                if checkingBOM { skipByteOrderMark() }
            }
        }
        return events
    }

    /// Ends the stream: a last event whose blank line never came is still dispatched when it has data.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard !overflowed else { return [] }
        if !line.isEmpty { endLine(into: &events) }
        dispatch(into: &events)
        afterCR = false
        return events
    }

    private mutating func skipByteOrderMark() {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        if line == mark {
            line.removeAll(keepingCapacity: true)
            checkingBOM = false
        } else if line.count >= mark.count || !mark.starts(with: line) {
            checkingBOM = false
        }
    }

    private mutating func endLine(into events: inout [SSEEvent]) {
        checkingBOM = false
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else {
            dispatch(into: &events)
            return
        }
        // A line that starts with a colon is a comment (often a keep-alive).
        if line[0] == UInt8(ascii: ":") { return }
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "event": eventType = String(value)
        case "data":
            dataLines.append(String(value))
            hasData = true
        case "id" where !value.contains("\u{0}"): lastEventID = String(value)
        case "retry" where !value.isEmpty && value.allSatisfy(\.isASCII) && value.allSatisfy(\.isNumber):
            retry = Int(value)
        default: break
        }
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        defer {
            eventType = ""
            dataLines.removeAll()
            hasData = false
            retry = nil
        }
        guard hasData else { return }
        let name = eventType.isEmpty ? "message" : eventType
        events.append(SSEEvent(event: name, data: dataLines.joined(separator: "\n"), id: lastEventID, retry: retry))
    }
}

extension SSEDecoder {
    /// The error a normalizer reports once a line went over `maxLineBytes`, or nil.
    var overflowFailure: (code: String, message: String)? {
        overflowed ? ("invalid_stream", "provider sent a stream line over \(maxLineBytes) bytes") : nil
    }
}

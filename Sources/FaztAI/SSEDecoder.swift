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
    ///
    /// Lines are found with one pass over the bytes and copied in whole runs, not byte by byte.
    public mutating func feed(_ bytes: [UInt8]) -> [SSEEvent] {
        var events: [SSEEvent] = []
        guard !overflowed else { return [] }
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            if afterCR, let first = buffer.first {
                afterCR = false
                // The `\n` of a `\r\n` pair: the line already ended at the `\r`.
                if first == 0x0A { index = 1 }
            }
            var start = index
            while index < buffer.count {
                let byte = buffer[index]
                guard byte == 0x0A || byte == 0x0D else {
                    index += 1
                    continue
                }
                guard append(UnsafeBufferPointer(rebasing: buffer[start..<index])) else { return }
                endLine(into: &events)
                index += 1
                if byte == 0x0D {
                    if index == buffer.count {
                        afterCR = true
                    } else if buffer[index] == 0x0A {
                        index += 1
                    }
                }
                start = index
            }
            _ = append(UnsafeBufferPointer(rebasing: buffer[start..<buffer.count]))
        }
        return events
    }

    /// Decodes `bytes` of any collection.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [SSEEvent] { feed(Array(bytes)) }

    /// Adds a run of bytes to the current line; false (and `overflowed`) past `maxLineBytes`.
    private mutating func append(_ run: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !run.isEmpty else { return true }
        guard line.count + run.count <= maxLineBytes else {
            overflowed = true
            line.removeAll()
            return false
        }
        line.append(contentsOf: run)
        if checkingBOM { skipByteOrderMark() }
        return true
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

    /// Drops a UTF-8 byte order mark at the very start of the stream (it may come in pieces).
    private mutating func skipByteOrderMark() {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        if line.starts(with: mark) {
            line.removeFirst(mark.count)
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
        // Field and value are split on the bytes: only the value becomes text.
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let field = line[..<colon]
        func value() -> String { String(decoding: line[valueStart...], as: UTF8.self) }
        if field.elementsEqual("data".utf8) {
            dataLines.append(value())
            hasData = true
        } else if field.elementsEqual("event".utf8) {
            eventType = value()
        } else if field.elementsEqual("id".utf8), !line[valueStart...].contains(0) {
            lastEventID = value()
        } else if field.elementsEqual("retry".utf8), valueStart < line.count,
            line[valueStart...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        {
            retry = Int(value())
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

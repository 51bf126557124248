/// Builds a frame payload: the case byte, then fields (tag, 4-byte big-endian length, bytes).
struct FieldWriter {
    private(set) var bytes: [UInt8]

    init(kind: UInt8, capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(kind)
    }

    mutating func put(_ tag: some RawRepresentable<UInt8>, _ field: some Collection<UInt8>) {
        bytes.append(tag.rawValue)
        appendLength(field.count)
        bytes.append(contentsOf: field)
    }

    mutating func put(_ tag: some RawRepresentable<UInt8>, _ text: String) {
        var text = text
        text.withUTF8 { put(tag, $0) }
    }

    mutating func put(_ tag: some RawRepresentable<UInt8>, _ text: String?) {
        if let text { put(tag, text) }
    }

    mutating func put(_ tag: some RawRepresentable<UInt8>, _ number: Int) {
        put(tag, UInt64(bitPattern: Int64(number)))
    }

    mutating func put(_ tag: some RawRepresentable<UInt8>, _ number: Int?) { if let number { put(tag, number) } }

    mutating func put(_ tag: some RawRepresentable<UInt8>, _ number: UInt64) {
        bytes.append(tag.rawValue)
        appendLength(8)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: number >> shift)) }
    }

    mutating func put(_ tag: some RawRepresentable<UInt8>, _ number: UInt64?) { if let number { put(tag, number) } }

    /// A flag: present means true.
    mutating func put(_ tag: some RawRepresentable<UInt8>, flag: Bool) { if flag { put(tag, EmptyCollection()) } }

    /// Two strings in one field: the first's 4-byte length, the first, then the second.
    mutating func put(_ tag: some RawRepresentable<UInt8>, _ first: String, _ second: String) {
        let firstCount = first.utf8.count
        bytes.append(tag.rawValue)
        appendLength(4 + firstCount + second.utf8.count)
        appendLength(firstCount)
        bytes.append(contentsOf: first.utf8)
        bytes.append(contentsOf: second.utf8)
    }

    private mutating func appendLength(_ count: Int) {
        bytes.append(UInt8(truncatingIfNeeded: count >> 24))
        bytes.append(UInt8(truncatingIfNeeded: count >> 16))
        bytes.append(UInt8(truncatingIfNeeded: count >> 8))
        bytes.append(UInt8(truncatingIfNeeded: count))
    }
}

/// Walks the fields of a frame payload; every read checks its bounds and throws `malformed`.
struct FieldReader {
    private let payload: [UInt8]
    private var index: Int

    /// The case byte, and a reader positioned at the first field.
    init(_ payload: [UInt8]) throws(InvocationFailure) {
        guard !payload.isEmpty else { throw Self.malformed }
        self.payload = payload
        index = 1
    }

    var kind: UInt8 { payload[0] }

    /// The next field's tag and bytes; nil after the last.
    mutating func next() throws(InvocationFailure) -> (tag: UInt8, bytes: ArraySlice<UInt8>)? {
        guard index < payload.count else { return nil }
        guard index + 5 <= payload.count else { throw Self.malformed }
        let tag = payload[index]
        let length = Self.length(payload[(index + 1)..<(index + 5)])
        let start = index + 5
        guard length <= payload.count - start else { throw Self.malformed }
        index = start + length
        return (tag, payload[start..<index])
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    static func int(_ bytes: ArraySlice<UInt8>) throws(InvocationFailure) -> Int {
        Int(Int64(bitPattern: try uint(bytes)))
    }

    static func uint(_ bytes: ArraySlice<UInt8>) throws(InvocationFailure) -> UInt64 {
        guard bytes.count == 8 else { throw malformed }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The two strings of a `FieldWriter.put(_:_:_:)` field.
    static func pair(_ bytes: ArraySlice<UInt8>) throws(InvocationFailure) -> (String, String) {
        guard bytes.count >= 4 else { throw malformed }
        let base = bytes.startIndex
        let firstCount = length(bytes[base..<(base + 4)])
        guard firstCount <= bytes.count - 4 else { throw malformed }
        let split = base + 4 + firstCount
        return (text(bytes[(base + 4)..<split]), text(bytes[split...]))
    }

    static func header(_ bytes: ArraySlice<UInt8>) throws(InvocationFailure) -> HeaderField {
        let (name, value) = try pair(bytes)
        return HeaderField(name, value)
    }

    private static func length(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 << 8 | Int($1) }
    }

    static let malformed = InvocationFailure(kind: .internal, message: "malformed frame")
}

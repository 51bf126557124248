import NIOCore

/// Incremental UTF-8 validation (RFC 3629) of a text message that arrives in fragments.
///
/// The validator rejects a sequence at the first byte that cannot continue any valid text, so a
/// fragment that makes a message invalid is refused at once instead of when the message ends
/// (RFC 6455 §8.1 lets an endpoint fail fast; Autobahn's cases 6.x expect it). Overlong forms,
/// UTF-16 surrogates (U+D800–U+DFFF) and values above U+10FFFF are invalid.
public struct UTF8Validator: Sendable, Equatable {
    /// Continuation bytes the current sequence still needs (0 between scalars).
    private var pending: UInt8 = 0
    /// The range the next continuation byte must fall in.
    ///
    /// It is narrower than `0x80...0xBF` only
    /// right after the lead bytes E0, ED, F0 and F4: that is what refuses overlong forms,
    /// surrogates and values above U+10FFFF without decoding the scalar.
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    /// Set once an invalid byte was seen; every later `feed` fails.
    private var failed = false

    /// Creates a validator at the start of a text.
    public init() {}

    /// Whether everything fed so far is valid and ends on a scalar boundary.
    public var isComplete: Bool { self.pending == 0 && !self.failed }

    /// Validates the next chunk of the text; false once the text so far cannot be valid UTF-8.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({ self.feed(raw: UnsafeRawBufferPointer($0)) }) {
            return result
        }
        guard !self.failed else { return false }
        for byte in bytes {
            guard self.step(byte) else {
                self.failed = true
                return false
            }
        }
        return true
    }

    /// Validates the readable bytes of `buffer` as the next chunk of the text.
    public mutating func feed(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { self.feed(raw: $0) }
    }

    /// Whether `bytes` is a complete, valid UTF-8 text.
    public static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        var validator = UTF8Validator()
        return validator.feed(bytes) && validator.isComplete
    }

    /// Whether the readable bytes of `buffer` are a complete, valid UTF-8 text.
    public static func isValid(_ buffer: ByteBuffer) -> Bool {
        var validator = UTF8Validator()
        return validator.feed(buffer) && validator.isComplete
    }

    private mutating func feed(raw bytes: UnsafeRawBufferPointer) -> Bool {
        guard !self.failed else { return false }
        let count = bytes.count
        var index = 0
        while index < count {
            if self.pending == 0 {
                // Most text is ASCII: skip it eight bytes at a time (no high bit set in any of them).
                while index + 8 <= count,
                    bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                }
                if index == count { break }
            }
            guard self.step(bytes[index]) else {
                self.failed = true
                return false
            }
            index += 1
        }
        return true
    }

    /// Takes one byte; false if it cannot follow the bytes before it.
    private mutating func step(_ byte: UInt8) -> Bool {
        if self.pending > 0 {
            guard byte >= self.lower, byte <= self.upper else { return false }
            self.pending -= 1
            self.lower = 0x80
            self.upper = 0xBF
            return true
        }
        switch byte {
        case 0x00...0x7F:
            break
        case 0xC2...0xDF:
            self.pending = 1
        case 0xE0:
            // E0 80–9F would be an overlong form of U+0000–U+07FF.
            self.pending = 2
            self.lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF:
            self.pending = 2
        case 0xED:
            // ED A0–BF would be a surrogate, U+D800–U+DFFF.
            self.pending = 2
            self.upper = 0x9F
        case 0xF0:
            // F0 80–8F would be an overlong form of U+0000–U+FFFF.
            self.pending = 3
            self.lower = 0x90
        case 0xF1...0xF3:
            self.pending = 3
        case 0xF4:
            // F4 90–BF would be above U+10FFFF.
            self.pending = 3
            self.upper = 0x8F
        default:
            // 80–BF without a lead byte, C0–C1 (always overlong) and F5–FF (above U+10FFFF).
            return false
        }
        return true
    }
}

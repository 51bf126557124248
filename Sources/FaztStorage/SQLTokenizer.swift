/// Splits SQLite SQL into tokens (enough of SQLite's lexer to find every identifier).
struct SQLToken {
    enum Kind: Equatable {
        /// A bare word: a keyword or an unquoted identifier.
        case word
        /// `"x"`, `` `x` `` or `[x]`.
        case quoted
        case string
        case number
        case parameter
        case punctuation
    }

    var kind: Kind
    /// Byte range in the statement's UTF-8.
    var start: Int
    var end: Int
    /// Upper-cased text for words; the unquoted name for quoted identifiers; the text otherwise.
    var value: String

    var isIdentifier: Bool { kind == .word || kind == .quoted }
}

enum SQLTokenizer {
    static func tokenize(_ bytes: [UInt8]) throws(StorageError) -> [SQLToken] {
        var tokens: [SQLToken] = []
        var index = 0
        func text(_ start: Int, _ end: Int) -> String { String(decoding: bytes[start..<end], as: UTF8.self) }
        while index < bytes.count {
            let byte = bytes[index]
            let start = index
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                index += 1
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                index += 2
                while index + 1 < bytes.count,
                    !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/"))
                {
                    index += 1
                }
                index = min(bytes.count, index + 2)
            case UInt8(ascii: "'"):
                index = try closing(bytes, from: index, quote: byte, what: "string")
                tokens.append(SQLToken(kind: .string, start: start, end: index, value: text(start, index)))
            case UInt8(ascii: "\""), UInt8(ascii: "`"):
                index = try closing(bytes, from: index, quote: byte, what: "identifier")
                let inner = text(start + 1, index - 1)
                let quote = byte == UInt8(ascii: "\"") ? "\"" : "`"
                tokens.append(
                    SQLToken(
                        kind: .quoted,
                        start: start,
                        end: index,
                        value: inner.replacingOccurrences(of: quote + quote, with: quote)
                    )
                )
            case UInt8(ascii: "["):
                guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "]")) else {
                    throw StorageError(.sqlError, "unterminated [identifier]")
                }
                index = close + 1
                tokens.append(SQLToken(kind: .quoted, start: start, end: index, value: text(start + 1, close)))
            case UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "$"):
                index += 1
                while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
                tokens.append(SQLToken(kind: .parameter, start: start, end: index, value: text(start, index)))
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                while index < bytes.count, isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") { index += 1 }
                tokens.append(SQLToken(kind: .number, start: start, end: index, value: text(start, index)))
            case UInt8(ascii: "."):
                if index + 1 < bytes.count, (0x30...0x39).contains(bytes[index + 1]) {
                    index += 1
                    while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
                    tokens.append(SQLToken(kind: .number, start: start, end: index, value: text(start, index)))
                } else {
                    index += 1
                    tokens.append(SQLToken(kind: .punctuation, start: start, end: index, value: "."))
                }
            default:
                if isWordByte(byte) {
                    while index < bytes.count, isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: "$") {
                        index += 1
                    }
                    tokens.append(
                        SQLToken(kind: .word, start: start, end: index, value: text(start, index).uppercased())
                    )
                } else {
                    index += 1
                    tokens.append(SQLToken(kind: .punctuation, start: start, end: index, value: text(start, index)))
                }
            }
        }
        return tokens
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F
            || byte >= 0x80
    }

    /// The index after the closing quote (a doubled quote is an escaped one).
    private static func closing(
        _ bytes: [UInt8],
        from start: Int,
        quote: UInt8,
        what: String
    ) throws(StorageError)
        -> Int
    {
        var index = start + 1
        while index < bytes.count {
            if bytes[index] == quote {
                if index + 1 < bytes.count, bytes[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        throw StorageError(.sqlError, "unterminated \(what)")
    }
}

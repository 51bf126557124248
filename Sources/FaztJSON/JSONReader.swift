/// The one JSON reader (RFC 8259, nothing more): exact positions and plain-words reasons for errors.
struct JSONReader {
    let bytes: [UInt8]
    let maxDepth: Int
    var at = 0

    var current: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipSpace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { at += 1 }
    }

    func failure(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: at, current == nil ? "the text ends too early (\(reason))" : reason)
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < maxDepth else { throw failure("nested too deeply") }
        switch current {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try word("true", .bool(true))
        case UInt8(ascii: "f"): return try word("false", .bool(false))
        case UInt8(ascii: "n"): return try word("null", .null)
        case let byte? where byte == UInt8(ascii: "-") || (byte >= 48 && byte <= 57): return try number()
        case UInt8(ascii: "'")?: throw failure("strings need double quotes, not single quotes")
        default: throw failure("expected a value (a string, number, object, list, true, false or null)")
        }
    }

    mutating func word(_ text: StaticString, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        let count = text.utf8CodeUnitCount
        let matches = text.withUTF8Buffer { word in
            bytes.count - at >= count && bytes[at..<at + count].elementsEqual(word)
        }
        guard matches else {
            throw failure("expected a value (a string, number, object, list, true, false or null)")
        }
        at += count
        return value
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        at += 1
        var members: [(String, JSONValue)] = []
        skipSpace()
        if current == UInt8(ascii: "}") {
            at += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else {
                throw failure(
                    current == UInt8(ascii: "}")
                        ? "a comma before '}' is not allowed" : "expected a key in double quotes"
                )
            }
            let key = try string()
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':' after the key \"\(key)\"") }
            at += 1
            skipSpace()
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            if current == UInt8(ascii: ",") {
                at += 1
                continue
            }
            guard current == UInt8(ascii: "}") else { throw failure("expected ',' or '}' after a member") }
            at += 1
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        at += 1
        var items: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            at += 1
            return .array(items)
        }
        while true {
            skipSpace()
            if current == UInt8(ascii: "]") { throw failure("a comma before ']' is not allowed") }
            items.append(try value(depth: depth + 1))
            skipSpace()
            if current == UInt8(ascii: ",") {
                at += 1
                continue
            }
            guard current == UInt8(ascii: "]") else { throw failure("expected ',' or ']' after a list item") }
            at += 1
            return .array(items)
        }
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        at += 1
        let start = at
        // Most strings have no escapes: find the closing quote and decode the run in one go.
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return String(decoding: bytes[start..<at - 1], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            at += 1
        }
        var out = Array(bytes[start..<at])
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                at += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                at += 1
                try escape(into: &out)
            case 0..<0x20:
                throw failure(
                    byte == 0x0A ? "unterminated string (line break inside)" : "control character in a string"
                )
            default:
                out.append(byte)
                at += 1
            }
        }
    }

    mutating func escape(into out: inout [UInt8]) throws(JSONSyntaxError) {
        guard let byte = current else { throw failure("unterminated string") }
        at += 1
        let plain: UInt8? =
            switch byte {
            case UInt8(ascii: "\""): 0x22
            case UInt8(ascii: "\\"): 0x5C
            case UInt8(ascii: "/"): 0x2F
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let plain {
            out.append(plain)
            return
        }
        guard byte == UInt8(ascii: "u") else {
            at -= 1
            throw failure("unknown escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code), bytes.count - at >= 6, current == UInt8(ascii: "\\"),
            bytes[at + 1] == UInt8(ascii: "u")
        {
            at += 2
            let low = try hex4()
            code = 0x10000 + ((code - 0xD800) << 10) + (low &- 0xDC00)
        }
        out.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                throw failure("expected 4 hex digits after \\u")
            }
            code = code << 4 | UInt32(digit)
            at += 1
        }
        return code
    }

    mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = at
        func digits() -> Int {
            let from = at
            while let byte = current, byte >= 48 && byte <= 57 { at += 1 }
            return at - from
        }
        if current == UInt8(ascii: "-") { at += 1 }
        let leadingZero = current == UInt8(ascii: "0")
        let whole = digits()
        guard whole > 0 else { throw failure("expected digits") }
        guard !(leadingZero && whole > 1) else { throw JSONSyntaxError(offset: start, "numbers cannot start with 0") }
        var integral = true
        if current == UInt8(ascii: ".") {
            at += 1
            integral = false
            guard digits() > 0 else { throw failure("expected digits after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            at += 1
            integral = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { at += 1 }
            guard digits() > 0 else { throw failure("expected digits in the exponent") }
        }
        // Whole numbers of up to 15 digits are exact as a Double: no text conversion needed.
        if integral, whole <= 15 {
            var value = 0
            for byte in bytes[(at - whole)..<at] { value = value * 10 + Int(byte - 48) }
            return .number(bytes[start] == UInt8(ascii: "-") ? -Double(value) : Double(value))
        }
        let text = String(decoding: bytes[start..<at], as: UTF8.self)
        return .number(Double(text) ?? .nan)
    }
}

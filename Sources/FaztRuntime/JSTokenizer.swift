/// A rough JavaScript tokenizer: enough to read what a file exports without running it.
///
/// It skips comments, and reads strings, template literals and regular expressions as single
/// tokens, so that words inside them are never mistaken for code. Each token records its nesting
/// depth (braces, brackets and parentheses). It does not validate anything: `JSEngine` parses.
struct JSTokenizer {
    /// One token; `text` is the identifier, punctuator, or `""` for strings, numbers and regexes.
    struct Token: Equatable {
        enum Kind { case word, punctuator, literal }
        var kind: Kind
        var text: String
        /// Open brackets of any kind around the token.
        var depth: Int
    }

    static func tokens(_ source: String) -> [Token] {
        var tokenizer = JSTokenizer(bytes: Array(source.utf8))
        tokenizer.run()
        return tokenizer.out
    }

    private let bytes: [UInt8]
    private var at = 0
    private var depth = 0
    private var out: [Token] = []
    /// Brace depths at which a template literal's `${` was opened.
    private var templates: [Int] = []

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func byte(_ offset: Int = 0) -> UInt8? {
        at + offset < bytes.count ? bytes[at + offset] : nil
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 95
            || byte == 36 || byte >= 0x80
    }

    /// A `/` here starts a regular expression (not a division) after these.
    private var regexAllowed: Bool {
        guard let last = out.last else { return true }
        switch last.kind {
        case .literal: return false
        case .word:
            return [
                "return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "yield",
                "await",
            ]
            .contains(last.text)
        case .punctuator: return ![")", "]", "}"].contains(last.text)
        }
    }

    private mutating func run() {
        while let current = byte() {
            switch current {
            case 0x20, 0x09, 0x0A, 0x0D:
                at += 1
            case UInt8(ascii: "/") where byte(1) == UInt8(ascii: "/"):
                while let next = byte(), next != 0x0A { at += 1 }
            case UInt8(ascii: "/") where byte(1) == UInt8(ascii: "*"):
                at += 2
                while let next = byte(), !(next == UInt8(ascii: "*") && byte(1) == UInt8(ascii: "/")) { at += 1 }
                at += 2
            case UInt8(ascii: "/") where regexAllowed:
                skipRegex()
                out.append(Token(kind: .literal, text: "", depth: depth))
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipString(quote: current)
                out.append(Token(kind: .literal, text: "", depth: depth))
            case UInt8(ascii: "`"):
                at += 1
                skipTemplate()
            case UInt8(ascii: "}") where templates.last == depth - 1:
                // The end of a `${…}` inside a template literal: the template goes on.
                templates.removeLast()
                depth -= 1
                at += 1
                skipTemplate()
            case let byte where Self.isWordByte(byte):
                let start = at
                while let next = self.byte(), Self.isWordByte(next) { at += 1 }
                let text = String(decoding: bytes[start..<at], as: UTF8.self)
                let isNumber = bytes[start] >= 48 && bytes[start] <= 57
                out.append(Token(kind: isNumber ? .literal : .word, text: isNumber ? "" : text, depth: depth))
            default:
                punctuator(current)
            }
        }
    }

    private mutating func punctuator(_ current: UInt8) {
        let three = String(decoding: bytes[at..<min(bytes.count, at + 3)], as: UTF8.self)
        for candidate in ["===", "!==", "...", "==", "=>", "!=", "<=", ">=", "&&", "||", "??", "?."]
        where three.hasPrefix(candidate) {
            out.append(Token(kind: .punctuator, text: candidate, depth: depth))
            at += candidate.utf8.count
            return
        }
        if current == UInt8(ascii: "}") || current == UInt8(ascii: "]") || current == UInt8(ascii: ")") {
            depth = max(0, depth - 1)
        }
        out.append(Token(kind: .punctuator, text: String(UnicodeScalar(current)), depth: depth))
        if current == UInt8(ascii: "{") || current == UInt8(ascii: "[") || current == UInt8(ascii: "(") {
            depth += 1
        }
        at += 1
    }

    private mutating func skipString(quote: UInt8) {
        at += 1
        while let next = byte(), next != quote, next != 0x0A {
            at += next == UInt8(ascii: "\\") ? 2 : 1
        }
        at += 1
    }

    private mutating func skipRegex() {
        at += 1
        var inClass = false
        while let next = byte(), next != 0x0A {
            if next == UInt8(ascii: "\\") {
                at += 2
                continue
            }
            at += 1
            if next == UInt8(ascii: "[") { inClass = true }
            if next == UInt8(ascii: "]") { inClass = false }
            if next == UInt8(ascii: "/") && !inClass { break }
        }
        while let flag = byte(), Self.isWordByte(flag) { at += 1 }
    }

    /// Skips template text up to the closing backquote, or up to a `${` (then code follows).
    private mutating func skipTemplate() {
        while let next = byte() {
            if next == UInt8(ascii: "\\") {
                at += 2
                continue
            }
            if next == UInt8(ascii: "`") {
                at += 1
                out.append(Token(kind: .literal, text: "", depth: depth))
                return
            }
            if next == UInt8(ascii: "$") && byte(1) == UInt8(ascii: "{") {
                at += 2
                templates.append(depth)
                depth += 1
                return
            }
            at += 1
        }
    }
}

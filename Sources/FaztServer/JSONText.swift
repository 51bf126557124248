import FaztStorage

/// A minimal JSON text builder: raw punctuation plus correctly escaped strings.
struct JSONText {
    private(set) var text = ""

    mutating func raw(_ fragment: String) { text += fragment }

    mutating func string(_ value: String) { JSONValue.quote(value, into: &text) }
}

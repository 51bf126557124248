import FaztJSON

// Small readers and builders over `JSONValue` that the provider code shares; internal on purpose so
// FaztJSON's public surface stays the same for every other module.
extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var objectMembers: [(String, JSONValue)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as an `Int` when it is a whole number in range.
    var intValue: Int? {
        guard case .number(let number) = self, number == number.rounded(), abs(number) < 9e15 else { return nil }
        return Int(number)
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The compact JSON text as UTF-8 bytes, ready to be an HTTP body.
    var bytes: [UInt8] { Array(text.utf8) }

    /// Parses `text` as JSON, or nil when it is not JSON.
    static func parse(_ text: String) -> JSONValue? {
        try? JSONValue.decode(Array(text.utf8))
    }

    static func int(_ value: Int) -> JSONValue { .number(Double(value)) }
}

/// Collects object members in order, leaving out the ones that have no value.
struct JSONObjectBuilder {
    private(set) var members: [(String, JSONValue)] = []

    init() {}

    mutating func set(_ key: String, _ value: JSONValue?) {
        guard let value else { return }
        members.append((key, value))
    }

    var value: JSONValue { .object(members) }
}

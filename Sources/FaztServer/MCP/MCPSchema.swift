import FaztStorage

/// Small builders for the JSON Schemas of the kernel tools (kept terse: every byte of `tools/list`
/// lands in an agent's context).
enum MCPSchema {
    static func object(_ properties: [(String, JSONValue)], required: [String] = [], closed: Bool = true) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", .string("object"))]
        if !properties.isEmpty { members.append(("properties", .object(properties))) }
        if !required.isEmpty { members.append(("required", .array(required.map { .string($0) }))) }
        if closed { members.append(("additionalProperties", .bool(false))) }
        return .object(members)
    }

    /// An output schema: an object whose listed members have these types (others may follow).
    static func output(_ properties: [(String, JSONValue)]) -> JSONValue {
        object(properties, closed: false)
    }

    static func type(_ name: String, _ description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(name))]
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }

    static func string(_ description: String? = nil) -> JSONValue { type("string", description) }
    static func integer(_ description: String? = nil) -> JSONValue { type("integer", description) }
    static func boolean(_ description: String? = nil) -> JSONValue { type("boolean", description) }
    static let anyObject: JSONValue = .object([("type", .string("object"))])
    static let array: JSONValue = .object([("type", .string("array"))])
    static let nullableInteger: JSONValue = .object([("type", .array([.string("integer"), .string("null")]))])
    static let nullableString: JSONValue = .object([("type", .array([.string("string"), .string("null")]))])

    static func enumeration(_ values: [String], _ description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("string")), ("enum", .array(values.map { .string($0) })),
        ]
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }

    static let app: (String, JSONValue) = ("app", string("app name"))
    static let ref: (String, JSONValue) = ("ref", string(#""live" (default), a version number, or "draft:NAME""#))
}

import FaztStorage

/// Checks a value against the JSON Schema subset that app-defined MCP tools use.
///
/// The keywords: `type`, `properties`,
/// `required`, `additionalProperties`, `enum`, `const`, `minimum`/`maximum` (and the exclusive ones),
/// `minLength`/`maxLength`, `pattern`-free strings, `items`, `minItems`/`maxItems`. Unknown keywords
/// are ignored. Returns every problem, each naming its path (`$.text`) and the fix.
enum JSONSchemaCheck {
    static func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        guard case .object = schema else { return [] }
        var found: [String] = []
        if let type = schema["type"] {
            let allowed: [String] =
                switch type {
                case .string(let name): [name]
                case .array(let names): names.compactMap(\.stringValue)
                default: []
                }
            if !allowed.isEmpty, !allowed.contains(where: { matches(value, type: $0) }) {
                return ["\(path) must be \(allowed.joined(separator: " or ")) (got \(describe(value)))"]
            }
        }
        if case .array(let options) = schema["enum"] ?? .null, !options.contains(value) {
            found.append("\(path) must be one of \(options.map(\.text).joined(separator: ", "))")
        }
        if let constant = schema["const"], constant != value { found.append("\(path) must be \(constant.text)") }
        switch value {
        case .number(let number):
            if let minimum = schema["minimum"]?.numberValue, number < minimum {
                found.append("\(path) must be ≥ \(JSONValue.format(minimum))")
            }
            if let maximum = schema["maximum"]?.numberValue, number > maximum {
                found.append("\(path) must be ≤ \(JSONValue.format(maximum))")
            }
            if let minimum = schema["exclusiveMinimum"]?.numberValue, number <= minimum {
                found.append("\(path) must be > \(JSONValue.format(minimum))")
            }
            if let maximum = schema["exclusiveMaximum"]?.numberValue, number >= maximum {
                found.append("\(path) must be < \(JSONValue.format(maximum))")
            }
        case .string(let text):
            let length = text.count
            if let minimum = schema["minLength"]?.intValue, length < minimum {
                found.append("\(path) must have at least \(minimum) characters (has \(length))")
            }
            if let maximum = schema["maxLength"]?.intValue, length > maximum {
                found.append("\(path) must have at most \(maximum) characters (has \(length))")
            }
        case .array(let items):
            if let minimum = schema["minItems"]?.intValue, items.count < minimum {
                found.append("\(path) must have at least \(minimum) items")
            }
            if let maximum = schema["maxItems"]?.intValue, items.count > maximum {
                found.append("\(path) must have at most \(maximum) items")
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    found += problems(item, against: itemSchema, at: "\(path)[\(index)]")
                }
            }
        case .object(let members):
            let properties = schema["properties"]?.members ?? []
            if case .array(let required) = schema["required"] ?? .null {
                for name in required.compactMap(\.stringValue) where !members.contains(where: { $0.0 == name }) {
                    found.append("\(path).\(name) is required")
                }
            }
            for (name, member) in members {
                if let propertySchema = properties.first(where: { $0.0 == name })?.1 {
                    found += problems(member, against: propertySchema, at: "\(path).\(name)")
                } else if let additional = schema["additionalProperties"] {
                    if additional == .bool(false) {
                        let known = properties.map(\.0).joined(separator: ", ")
                        found.append("\(path).\(name) is not allowed (known: \(known.isEmpty ? "none" : known))")
                    } else if case .object = additional {
                        found += problems(member, against: additional, at: "\(path).\(name)")
                    }
                }
            }
        default:
            break
        }
        return found
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("null", .null), ("array", .array), ("object", .object),
            ("number", .number):
            return true
        case ("integer", .number(let number)):
            return number.rounded() == number
        default:
            return false
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

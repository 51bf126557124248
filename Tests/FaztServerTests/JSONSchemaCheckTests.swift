import FaztStorage
import Testing

@testable import FaztServer

@Suite struct JSONSchemaCheckTests {
    static func json(_ text: String) throws -> JSONValue { try JSONValue.decode(Array(text.utf8)) }

    static let schema = #"""
        {"type": "object", "required": ["text"], "additionalProperties": false, "properties": {
          "text": {"type": "string", "minLength": 1, "maxLength": 5},
          "n": {"type": "integer", "minimum": 1, "exclusiveMaximum": 10},
          "tags": {"type": "array", "maxItems": 2, "items": {"type": "string", "enum": ["a", "b"]}},
          "when": {"type": ["string", "null"]}}}
        """#

    func problems(_ value: String) throws -> [String] {
        JSONSchemaCheck.problems(try Self.json(value), against: try Self.json(Self.schema))
    }

    @Test func acceptsWhatTheSchemaAllows() throws {
        #expect(try problems(#"{"text": "hi", "n": 9, "tags": ["a", "b"], "when": null}"#).isEmpty)
        #expect(try problems(#"{"text": "héllo"}"#).isEmpty, "lengths count characters")
    }

    @Test func namesEveryProblemWithItsPath() throws {
        #expect(try problems(#"[]"#) == ["$ must be object (got an array)"])
        let found = try problems(#"{"n": 10, "tags": ["a", "c", "b"], "x": 1, "when": 3}"#)
        #expect(found.contains("$.text is required"))
        #expect(found.contains("$.n must be < 10"))
        #expect(found.contains("$.tags must have at most 2 items"))
        #expect(found.contains { $0.hasPrefix("$.tags[1] must be one of") })
        #expect(found.contains { $0.hasPrefix("$.x is not allowed") })
        #expect(found.contains("$.when must be string or null (got a number)"))
        #expect(try problems(#"{"text": "", "n": 2.5}"#).count == 2)
        #expect(try problems(#"{"text": "toolong"}"#) == ["$.text must have at most 5 characters (has 7)"])
    }
}

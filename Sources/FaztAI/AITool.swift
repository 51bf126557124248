import FaztJSON

/// A function the model may call.
public struct AITool: Sendable, Equatable {
    /// The name the model calls it by (letters, digits, `_` and `-`, at most 64).
    public var name: String
    /// What it does, for the model.
    public var description: String
    /// A JSON schema object for the arguments.
    public var parameters: JSONValue

    /// Creates a tool; `parameters` defaults to an object schema with no properties.
    public init(
        name: String,
        description: String = "",
        parameters: JSONValue = .object([("type", .string("object")), ("properties", .object([]))])
    ) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// Whether and which tool the model must call.
public enum AIToolChoice: Sendable, Equatable {
    /// The model decides.
    case auto
    /// The model must not call tools.
    case none
    /// The model must call some tool.
    case required
    /// The model must call the named tool.
    case tool(String)
}

/// The shape the answer must have.
public enum AIResponseFormat: Sendable, Equatable {
    /// Free text.
    case text
    /// Any JSON object.
    case json
    /// JSON matching the schema.
    case schema(JSONValue)
}

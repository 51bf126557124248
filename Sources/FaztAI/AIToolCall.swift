/// A function call the model asked for, or one an app replays in a conversation.
public struct AIToolCall: Sendable, Equatable {
    /// The call's id; a tool result names it in `toolCallId`.
    public var id: String
    /// The tool's name.
    public var name: String
    /// The arguments as complete JSON text (an object).
    public var arguments: String

    /// Creates a tool call.
    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// One turn of a conversation in the provider-neutral shape apps use.
public struct AIMessage: Sendable, Equatable {
    /// Who speaks in a message.
    public enum Role: String, Sendable, CaseIterable {
        case system, user, assistant, tool
    }

    /// Who speaks.
    public var role: Role
    /// The text (empty for an assistant turn that only calls tools).
    public var content: String
    /// Calls the assistant made in this turn (assistant messages only).
    public var toolCalls: [AIToolCall]
    /// The call this message answers (tool messages only).
    public var toolCallID: String?

    /// Creates a message.
    public init(role: Role, content: String, toolCalls: [AIToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

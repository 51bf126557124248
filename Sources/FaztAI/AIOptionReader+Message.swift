import FaztJSON

extension AIOptionReader {
    static let messageKeys = ["role", "content", "toolCalls", "toolCallId"]

    static func message(_ item: JSONValue, at path: String) throws(AIRequestError) -> AIMessage {
        guard let fields = item.objectMembers else { throw AIRequestError("\(path) must be an object {role, content}") }
        for (key, _) in fields where !messageKeys.contains(key) {
            throw AIRequestError("\(path) has unknown key '\(key)'; allowed: \(messageKeys.joined(separator: ", "))")
        }
        let reader = AIOptionReader(members: fields)
        let roles = AIMessage.Role.allCases.map(\.rawValue).joined(separator: ", ")
        guard let roleName = reader.value("role")?.stringValue, let role = AIMessage.Role(rawValue: roleName) else {
            throw AIRequestError("\(path).role must be one of \(roles)")
        }
        var message = AIMessage(role: role, content: try reader.string("content") ?? "")
        if let calls = reader.value("toolCalls") {
            guard role == .assistant else {
                throw AIRequestError("\(path).toolCalls is allowed on assistant messages only")
            }
            guard let items = calls.arrayValue else { throw AIRequestError("\(path).toolCalls must be a list") }
            for (index, call) in items.enumerated() {
                message.toolCalls.append(try toolCall(call, at: "\(path).toolCalls[\(index)]"))
            }
        }
        if let callID = try reader.string("toolCallId") {
            guard role == .tool else { throw AIRequestError("\(path).toolCallId is allowed on tool messages only") }
            message.toolCallID = callID
        } else if role == .tool {
            throw AIRequestError("\(path).toolCallId is required on tool messages: the id of the call it answers")
        }
        if reader.value("content") == nil, message.toolCalls.isEmpty {
            throw AIRequestError("\(path).content is required (a string)")
        }
        return message
    }

    static func toolCall(_ item: JSONValue, at path: String) throws(AIRequestError) -> AIToolCall {
        guard let fields = item.objectMembers else {
            throw AIRequestError("\(path) must be an object {id, name, arguments}")
        }
        let reader = AIOptionReader(members: fields)
        guard let id = try reader.string("id"), !id.isEmpty else { throw AIRequestError("\(path).id is required") }
        guard let name = try reader.string("name"), isToolName(name) else {
            throw AIRequestError("\(path).name must be 1 to 64 letters, digits, '_' or '-'")
        }
        // Apps may pass arguments as an object or as JSON text; both become JSON text of an object.
        let arguments: String
        switch reader.value("arguments") {
        case nil: arguments = "{}"
        case .some(.object(let members)): arguments = JSONValue.object(members).text
        case .some(.string(let text)):
            guard JSONValue.parse(text)?.objectMembers != nil else {
                throw AIRequestError("\(path).arguments must be an object or JSON text of an object")
            }
            arguments = text
        default: throw AIRequestError("\(path).arguments must be an object or JSON text of an object")
        }
        return AIToolCall(id: id, name: name, arguments: arguments)
    }
}

import FaztJSON

/// Reads and checks the members of a `fazt.ai` options object, one field at a time.
struct AIOptionReader {
    let members: [(String, JSONValue)]

    func value(_ key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.0 == key })?.1, !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws(AIRequestError) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.stringValue else { throw AIRequestError("\(key) must be a string") }
        return text
    }

    func nonEmptyString(_ key: String) throws(AIRequestError) -> String? {
        guard let text = try string(key) else { return nil }
        guard !text.isEmpty else { throw AIRequestError("\(key) must not be empty; leave it out for the default") }
        return text
    }

    func flag(_ key: String) throws(AIRequestError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.boolValue else { throw AIRequestError("\(key) must be true or false") }
        return flag
    }

    func temperature() throws(AIRequestError) -> Double? {
        guard let value = value("temperature") else { return nil }
        guard let number = value.numberValue, number >= 0, number <= 2 else {
            throw AIRequestError("temperature must be a number from 0 to 2")
        }
        return number
    }

    func maxTokens() throws(AIRequestError) -> Int? {
        guard let value = value("maxTokens") else { return nil }
        guard let count = value.intValue, count >= 1 else {
            throw AIRequestError("maxTokens must be a whole number of at least 1")
        }
        return count
    }

    func stop() throws(AIRequestError) -> [String] {
        guard let value = value("stop") else { return [] }
        if let text = value.stringValue { return text.isEmpty ? [] : [text] }
        guard let items = value.arrayValue else { throw AIRequestError("stop must be a string or a list of strings") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue, !text.isEmpty else {
                throw AIRequestError("stop[\(index)] must be a non-empty string")
            }
            result.append(text)
        }
        return result
    }

    func responseFormat() throws(AIRequestError) -> AIResponseFormat {
        if let schema = value("schema") {
            guard schema.objectMembers != nil else {
                throw AIRequestError("schema must be a JSON schema object such as {type: \"object\", properties: {…}}")
            }
            if let json = value("json"), json.boolValue == false {
                throw AIRequestError("json: false contradicts schema; leave json out when passing a schema")
            }
            return .schema(schema)
        }
        guard let json = value("json") else { return .text }
        guard let flag = json.boolValue else { throw AIRequestError("json must be true or false") }
        return flag ? .json : .text
    }

    func tools() throws(AIRequestError) -> [AITool] {
        guard let value = value("tools") else { return [] }
        guard let items = value.arrayValue else {
            throw AIRequestError("tools must be a list of {name, description, parameters}")
        }
        var tools: [AITool] = []
        for (index, item) in items.enumerated() {
            let tool = try Self.tool(item, at: "tools[\(index)]")
            guard !tools.contains(where: { $0.name == tool.name }) else {
                throw AIRequestError("tools[\(index)].name '\(tool.name)' is used twice; tool names must be unique")
            }
            tools.append(tool)
        }
        return tools
    }

    static func tool(_ item: JSONValue, at path: String) throws(AIRequestError) -> AITool {
        guard let fields = item.objectMembers else {
            throw AIRequestError("\(path) must be an object {name, description, parameters}")
        }
        for (key, _) in fields where !["name", "description", "parameters"].contains(key) {
            throw AIRequestError("\(path) has unknown key '\(key)'; allowed: name, description, parameters")
        }
        let reader = AIOptionReader(members: fields)
        guard let name = try reader.string("name"), isToolName(name) else {
            throw AIRequestError("\(path).name must be 1 to 64 letters, digits, '_' or '-'")
        }
        var tool = AITool(name: name, description: try reader.string("description") ?? "")
        if let parameters = reader.value("parameters") {
            guard parameters.objectMembers != nil else {
                throw AIRequestError("\(path).parameters must be a JSON schema object")
            }
            tool.parameters = parameters
        }
        return tool
    }

    static func isToolName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "-")
            }
    }

    func toolChoice(tools: [AITool]) throws(AIRequestError) -> AIToolChoice? {
        guard let value = value("toolChoice") else { return nil }
        let choice: AIToolChoice
        switch value.stringValue {
        case "auto": choice = .auto
        case "none": choice = .none
        case "required": choice = .required
        case nil:
            guard let name = value["name"]?.stringValue, value.objectMembers?.count == 1 else {
                throw AIRequestError("toolChoice must be \"auto\", \"none\", \"required\" or {name: \"toolName\"}")
            }
            guard tools.contains(where: { $0.name == name }) else {
                throw AIRequestError("toolChoice.name '\(name)' is not one of the tools; add it to tools")
            }
            choice = .tool(name)
        default:
            throw AIRequestError("toolChoice must be \"auto\", \"none\", \"required\" or {name: \"toolName\"}")
        }
        if choice == .required, tools.isEmpty {
            throw AIRequestError("toolChoice \"required\" needs tools; add tools or leave toolChoice out")
        }
        return choice
    }

    func messages() throws(AIRequestError) -> [AIMessage] {
        let prompt = try string("prompt")
        let list = value("messages")
        switch (prompt, list) {
        case (.some, .some): throw AIRequestError("pass either prompt or messages, not both")
        case (nil, nil): throw AIRequestError("prompt or messages is required")
        case (let prompt?, nil):
            guard !prompt.isEmpty else { throw AIRequestError("prompt must not be empty") }
            return [AIMessage(role: .user, content: prompt)]
        case (nil, let list?):
            guard let items = list.arrayValue, !items.isEmpty else {
                throw AIRequestError("messages must be a non-empty list of {role, content}")
            }
            var messages: [AIMessage] = []
            for (index, item) in items.enumerated() {
                messages.append(try Self.message(item, at: "messages[\(index)]"))
            }
            return messages
        }
    }
}

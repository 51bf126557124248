import FaztJSON

/// The provider-neutral request an app makes with `fazt.ai`, validated.
public struct AIRequest: Sendable, Equatable {
    /// The model name the app asked for (an alias the server resolves), if any.
    public var model: String?
    /// The conversation; never empty.
    public var messages: [AIMessage]
    /// A system prompt that goes before the messages.
    public var system: String?
    /// Sampling temperature, 0 to 2.
    public var temperature: Double?
    /// The most output tokens.
    public var maxTokens: Int?
    /// Sequences that end the answer.
    public var stop: [String]
    /// The answer's shape.
    public var responseFormat: AIResponseFormat
    /// Functions the model may call.
    public var tools: [AITool]
    /// Whether and which tool must be called; nil leaves it to the provider.
    public var toolChoice: AIToolChoice?
    /// The app opted in to keeping the prompt and the answer in its execution history.
    public var record: Bool

    /// Creates a request from already-checked parts.
    public init(
        model: String? = nil,
        messages: [AIMessage],
        system: String? = nil,
        temperature: Double? = nil,
        maxTokens: Int? = nil,
        stop: [String] = [],
        responseFormat: AIResponseFormat = .text,
        tools: [AITool] = [],
        toolChoice: AIToolChoice? = nil,
        record: Bool = false
    ) {
        self.model = model
        self.messages = messages
        self.system = system
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.stop = stop
        self.responseFormat = responseFormat
        self.tools = tools
        self.toolChoice = toolChoice
        self.record = record
    }

    /// The option names `init(options:)` accepts.
    public static let optionNames = [
        "model", "messages", "prompt", "system", "temperature", "maxTokens", "stop", "json", "schema", "tools",
        "toolChoice", "record",
    ]

    /// Parses and checks the options object an app passed; the error names the field and the fix.
    public init(options: JSONValue) throws(AIRequestError) {
        guard let members = options.objectMembers else {
            throw AIRequestError("options must be an object such as {prompt: \"Hello\"}")
        }
        for (key, _) in members where !Self.optionNames.contains(key) {
            throw AIRequestError("unknown option '\(key)'; allowed: \(Self.optionNames.joined(separator: ", "))")
        }
        let reader = AIOptionReader(members: members)
        model = try reader.nonEmptyString("model")
        system = try reader.string("system")
        temperature = try reader.temperature()
        maxTokens = try reader.maxTokens()
        stop = try reader.stop()
        responseFormat = try reader.responseFormat()
        tools = try reader.tools()
        toolChoice = try reader.toolChoice(tools: tools)
        messages = try reader.messages()
        record = try reader.flag("record") ?? false
    }
}

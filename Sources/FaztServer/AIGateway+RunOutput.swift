import FaztAI
import FaztJSON
import FaztScheduler

extension AIGateway {
    /// What an app that passed `record: true` keeps of a call in its execution history.
    struct Transcript: Sendable {
        /// `system`, `prompt` and `messages` as the app passed them.
        var prompt: JSONValue
        var text = ""
        var toolCalls: [AIToolCall] = []
    }

    /// The option names whose values make up a recorded prompt.
    static let promptOptions: Set<String> = ["system", "prompt", "messages"]

    /// The `ai` run's output: `summary`, then the transcript when the app opted in.
    ///
    /// It stays within the history's output cap. Over the cap the prompt is cut first (to a prefix of its JSON text,
    /// `promptCut: true`), then the answer's text (`textCut: true`), then the tool calls
    /// (`toolCallsCut: true`), so the output stays one whole JSON object.
    static func runOutput(
        summary: [(String, JSONValue)],
        transcript: Transcript?,
        limit: Int = RunLog.maxOutputBytes
    ) -> String {
        guard let transcript else { return JSONValue.object(summary).text }
        var prompt = transcript.prompt
        var promptText: String?
        var text = transcript.text
        var textCut = false
        var toolCalls = transcript.toolCalls
        var toolCallsCut = false
        while true {
            var members = summary
            members.append(("prompt", promptText.map { .string($0) } ?? prompt))
            if promptText != nil { members.append(("promptCut", .bool(true))) }
            members.append(("text", .string(text)))
            if textCut { members.append(("textCut", .bool(true))) }
            members.append(("toolCalls", .array(toolCalls.map(Self.toolCallJSON))))
            if toolCallsCut { members.append(("toolCallsCut", .bool(true))) }
            let output = JSONValue.object(members).text
            let over = output.utf8.count - limit
            guard over > 0 else { return output }
            // Cutting `over` bytes of a string takes at least `over` bytes off its escaped form.
            if promptText == nil {
                promptText = prompt.text
                prompt = .null
            }
            if let current = promptText, !current.isEmpty {
                promptText = Self.prefix(current, bytes: current.utf8.count - max(over, 64))
            } else if !text.isEmpty {
                text = Self.prefix(text, bytes: text.utf8.count - max(over, 64))
                textCut = true
            } else if !toolCalls.isEmpty {
                toolCalls = []
                toolCallsCut = true
            } else {
                return JSONValue.object(summary).text
            }
        }
    }

    static func toolCallJSON(_ call: AIToolCall) -> JSONValue {
        .object([("id", .string(call.id)), ("name", .string(call.name)), ("arguments", .string(call.arguments))])
    }

    /// The longest prefix of `text` of at most `bytes` UTF-8 bytes that ends between characters.
    static func prefix(_ text: String, bytes: Int) -> String {
        guard bytes > 0 else { return "" }
        let utf8 = Array(text.utf8)
        guard bytes < utf8.count else { return text }
        var end = bytes
        while end > 0, utf8[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }
}

import FaztAI
import FaztJSON
import Testing

@Suite struct AIRequestTests {
    func parse(_ text: String) throws(AIRequestError) -> AIRequest {
        try AIRequest(options: json(Array(text.utf8)))
    }

    func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func promptBecomesOneUserMessage() throws {
        let request = try parse(#"{"prompt":"Hi","system":"Be brief","temperature":0.5,"maxTokens":100,"stop":"END"}"#)
        #expect(request.messages == [AIMessage(role: .user, content: "Hi")])
        #expect(request.system == "Be brief")
        #expect(request.temperature == 0.5)
        #expect(request.maxTokens == 100)
        #expect(request.stop == ["END"])
        #expect(request.responseFormat == .text)
    }

    @Test func parsesMessagesToolsAndToolChoice() throws {
        let request = try parse(
            #"""
            {"model":"fast","messages":[
              {"role":"user","content":"Weather?"},
              {"role":"assistant","toolCalls":[{"id":"c1","name":"weather","arguments":{"city":"Paris"}}]},
              {"role":"tool","toolCallId":"c1","content":"sunny"}],
             "tools":[{"name":"weather","description":"Look up","parameters":{"type":"object"}}],
             "toolChoice":{"name":"weather"},"stop":["a","b"],"json":true}
            """#
        )
        #expect(request.model == "fast")
        #expect(
            request.messages[1].toolCalls == [AIToolCall(id: "c1", name: "weather", arguments: #"{"city":"Paris"}"#)]
        )
        #expect(request.messages[1].content == "")
        #expect(request.messages[2].toolCallID == "c1")
        #expect(
            request.tools == [
                AITool(name: "weather", description: "Look up", parameters: .object([("type", .string("object"))]))
            ]
        )
        #expect(request.toolChoice == .tool("weather"))
        #expect(request.stop == ["a", "b"])
        #expect(request.responseFormat == .json)
    }

    @Test func recordIsOffUnlessAsked() throws {
        #expect(try parse(#"{"prompt":"x"}"#).record == false)
        #expect(try parse(#"{"prompt":"x","record":true}"#).record == true)
    }

    @Test func schemaWinsOverJSONFlag() throws {
        let request = try parse(#"{"prompt":"x","json":true,"schema":{"type":"object"}}"#)
        #expect(request.responseFormat == .schema(.object([("type", .string("object"))])))
    }

    @Test func errorsNameTheFieldAndTheFix() {
        #expect(
            error(
                #"{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"bot","content":"c"}]}"#
            )
                == "messages[2].role must be one of system, user, assistant, tool"
        )
        #expect(
            error(#"{"prompt":"x","temprature":1}"#)?.hasPrefix("unknown option 'temprature'; allowed: model,") == true
        )
        #expect(error(#"{"prompt":"x","messages":[]}"#) == "pass either prompt or messages, not both")
        #expect(error(#"{}"#) == "prompt or messages is required")
        #expect(error(#"{"prompt":""}"#) == "prompt must not be empty")
        #expect(error(#"[]"#)?.hasPrefix("options must be an object") == true)
        #expect(error(#"{"messages":[]}"#) == "messages must be a non-empty list of {role, content}")
        #expect(error(#"{"prompt":"x","temperature":3}"#) == "temperature must be a number from 0 to 2")
        #expect(error(#"{"prompt":"x","maxTokens":1.5}"#) == "maxTokens must be a whole number of at least 1")
        #expect(error(#"{"prompt":"x","stop":[1]}"#) == "stop[0] must be a non-empty string")
        #expect(error(#"{"prompt":"x","json":"yes"}"#) == "json must be true or false")
        #expect(error(#"{"prompt":"x","record":"yes"}"#) == "record must be true or false")
        #expect(
            error(#"{"messages":[{"role":"tool","content":"r"}]}"#)?.hasPrefix("messages[0].toolCallId is required")
                == true
        )
        #expect(error(#"{"messages":[{"role":"user"}]}"#) == "messages[0].content is required (a string)")
        #expect(
            error(#"{"messages":[{"role":"user","content":"a","name":"x"}]}"#)?.hasPrefix(
                "messages[0] has unknown key 'name'"
            ) == true
        )
        #expect(
            error(#"{"messages":[{"role":"assistant","toolCalls":[{"id":"1","name":"f","arguments":"nope"}]}]}"#)
                == "messages[0].toolCalls[0].arguments must be an object or JSON text of an object"
        )
        #expect(
            error(#"{"prompt":"x","tools":[{"name":"bad name"}]}"#)
                == "tools[0].name must be 1 to 64 letters, digits, '_' or '-'"
        )
        #expect(error(#"{"prompt":"x","tools":[{"name":"a"},{"name":"a"}]}"#)?.contains("used twice") == true)
        #expect(
            error(#"{"prompt":"x","tools":[{"name":"a"}],"toolChoice":{"name":"b"}}"#)?.contains(
                "'b' is not one of the tools"
            ) == true
        )
        #expect(
            error(#"{"prompt":"x","toolChoice":"required"}"#)?.hasPrefix("toolChoice \"required\" needs tools") == true
        )
        #expect(error(#"{"prompt":"x","toolChoice":"sometimes"}"#)?.hasPrefix("toolChoice must be") == true)
        #expect(error(#"{"prompt":"x","schema":"object"}"#)?.hasPrefix("schema must be a JSON schema object") == true)
    }
}

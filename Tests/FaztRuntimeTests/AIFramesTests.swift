import FaztStore
import FaztTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import FaztRuntime

/// `fazt.ai` from app JavaScript in a real worker process to the daemon's `AIService` and back:
/// the `ai`, `aiEvent` and `aiDone` frames, the prelude's promises and its async iterator.
@Suite struct AIFramesTests {
    static let handler = """
        module.exports = async (req) => {
          const mode = req.query.mode;
          try {
            if (mode === 'call') return await fazt.ai({ model: 'fast', prompt: 'hi' });
            if (mode === 'embed') return await fazt.ai.embed({ model: 'vec', input: ['a'] });
            if (mode === 'channel') return await fazt.ai.stream({ prompt: 'hi', channel: 'chat-1' });
            if (mode === 'stream') {
              const stream = fazt.ai.stream({ prompt: 'hi' });
              const seen = [];
              for await (const event of stream) seen.push(event.type === 'text-delta' ? event.text : event.type);
              return { seen, result: await stream.result };
            }
            if (mode === 'bad') return await fazt.ai('not options');
          } catch (error) {
            return { name: error.name, code: error.code, message: error.message };
          }
        };
        """

    @Test(.timeLimit(.minutes(1)))
    func callsStreamsAndFailuresCrossTheFrames() async throws {
        let directory = try TemporaryDirectory()
        let dataPath = directory.path + "/data.db"
        try WorkerFixture.deploy(["api/main.js": Self.handler], to: dataPath)
        let service = FakeAIService()
        var configuration = RuntimeConfiguration(executable: ServerProcess.binaryPath, dataPath: dataPath)
        configuration.ai = service
        let supervisor = Supervisor(configuration: configuration, logger: Logger(label: "test"))
        defer { supervisor.shutdown() }

        let call = try await Self.json(supervisor, mode: "call")
        #expect(call["text"] as? String == "hello from fast")
        let embed = try await Self.json(supervisor, mode: "embed")
        #expect(embed["vectors"] as? [[Double]] == [[0.5, 0.25]])
        let channel = try await Self.json(supervisor, mode: "channel")
        #expect(channel["streamId"] as? String == "ais_1")
        let stream = try await Self.json(supervisor, mode: "stream")
        #expect(stream["seen"] as? [String] == ["Hel", "lo", "usage", "finish"])
        #expect((stream["result"] as? [String: Any])?["text"] as? String == "Hello")
        let bad = try await Self.json(supervisor, mode: "bad")
        #expect(bad["code"] as? String == "INVALID_ARGUMENT")

        // What the daemon saw: the app from the invocation, the mode, the options as JSON.
        let calls = service.calls
        #expect(calls.map(\.mode) == [.call, .embed, .channel, .stream])
        #expect(calls.allSatisfy { $0.app == "demo" })
        #expect(calls.first?.options == #"{"model":"fast","prompt":"hi"}"#)

        // A refusal travels as a FaztError with its code.
        service.refuse = AICallError(code: "AI_BUDGET", message: "demo used 100 of its 100 tokens today")
        let refused = try await Self.json(supervisor, mode: "call")
        #expect(refused["name"] as? String == "FaztError")
        #expect(refused["code"] as? String == "AI_BUDGET")
        #expect(refused["message"] as? String == "demo used 100 of its 100 tokens today")
        let refusedStream = try await Self.json(supervisor, mode: "stream")
        #expect(refusedStream["code"] as? String == "AI_BUDGET")
    }

    /// Without an AI service (a server with none configured) the call fails with a clear code.
    @Test(.timeLimit(.minutes(1)))
    func withoutAServiceTheCallFailsWithNotConfigured() async throws {
        let directory = try TemporaryDirectory()
        let dataPath = directory.path + "/data.db"
        try WorkerFixture.deploy(["api/main.js": Self.handler], to: dataPath)
        let configuration = RuntimeConfiguration(executable: ServerProcess.binaryPath, dataPath: dataPath)
        let supervisor = Supervisor(configuration: configuration, logger: Logger(label: "test"))
        defer { supervisor.shutdown() }
        let answer = try await Self.json(supervisor, mode: "call")
        #expect(answer["code"] as? String == "AI_NOT_CONFIGURED")
    }

    private static func json(_ supervisor: Supervisor, mode: String) async throws -> [String: Any] {
        let request =
            #"{"method":"GET","path":"/api","url":"http://demo/api?mode=\#(mode)","#
            + #""query":{"mode":"\#(mode)"},"headers":{},"ip":""}"#
        let result = await supervisor.invoke(
            app: "demo",
            version: 1,
            file: "api/main.js",
            requestJSON: request,
            timeoutMs: 10_000
        )
        guard case .response(let response) = result else { throw TestError("the invocation failed: \(result)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw TestError("not a JSON object: \(String(decoding: response.body, as: UTF8.self))")
        }
        return object
    }
}

/// Answers every call the same way, and records what it was asked.
private final class FakeAIService: AIService {
    private let state = Mutex<(calls: [AICallRequest], refuse: AICallError?)>(([], nil))

    var calls: [AICallRequest] { state.withLock { $0.calls } }
    var refuse: AICallError? {
        get { state.withLock { $0.refuse } }
        set { state.withLock { $0.refuse = newValue } }
    }

    func start(
        _ call: AICallRequest,
        event: @escaping @Sendable (String) -> Void,
        done: @escaping @Sendable (Result<String, AICallError>) -> Void
    ) -> (@Sendable () -> Void)? {
        let refusal = state.withLock { state -> AICallError? in
            state.calls.append(call)
            return state.refuse
        }
        // Answer later, from another thread, as a real provider call would.
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) {
            if let refusal { return done(.failure(refusal)) }
            switch call.mode {
            case .call: done(.success(#"{"text":"hello from fast","finishReason":"stop"}"#))
            case .embed: done(.success(#"{"vectors":[[0.5,0.25]]}"#))
            case .channel, .response: done(.success(#"{"streamId":"ais_1"}"#))
            case .stream:
                event(#"{"type":"text-delta","text":"Hel"}"#)
                event(#"{"type":"text-delta","text":"lo"}"#)
                event(#"{"type":"usage","inputTokens":1,"outputTokens":2}"#)
                event(#"{"type":"finish","reason":"stop"}"#)
                done(.success(#"{"text":"Hello","finishReason":"stop"}"#))
            }
        }
        return nil
    }
}

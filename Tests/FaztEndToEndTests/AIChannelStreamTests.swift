import FaztTestSupport
import Foundation
import Testing

/// Channel streams under way: a tab joining mid-answer, cancel reaching the provider, the app's
/// requests-per-minute budget.
@Suite struct AIChannelStreamTests {
    static let handler = """
        module.exports = async (req) => {
          const q = req.query;
          try {
            if (q.mode === 'channel') {
              return await fazt.ai.stream({ model: q.model, prompt: 'hello', channel: 'talk-1' });
            }
            if (q.mode === 'cancel') {
              const { streamId } = await fazt.ai.stream({ model: 'local:tokens-400-100', prompt: 'x', channel: 'talk-9' });
              await new Promise((resolve) => setTimeout(resolve, 150));
              const cancelledAt = Date.now();
              return { streamId, cancelledAt, cancelled: fazt.ai.cancel(streamId) };
            }
            if (q.mode === 'call') return await fazt.ai({ model: 'fast', prompt: 'hi' });
          } catch (error) {
            return { name: error.name, code: error.code, message: error.message };
          }
        };
        """

    static func setUp() throws -> AIGatewayTests.Setup {
        let setup = try AIGatewayTests.Setup()
        try setup.configure()
        let files = [
            ArchiveFixtures.file(
                "fazt.json",
                #"{"permissions": ["ai"], "realtime": {"channels": {"talk-*": {"history": 2000}}}}"#
            ),
            ArchiveFixtures.file("api/main.js", Self.handler),
        ]
        let deployed = try setup.server.deploy("talk", try ArchiveFixtures.zip(files))
        guard deployed.status == 201 else { throw TestError("deploy: \(deployed.text)") }
        try setup.cli(["grant", "talk", "ai"])
        return setup
    }

    static func call(_ setup: AIGatewayTests.Setup, _ query: String) throws -> [String: Any] {
        let response = try setup.server.app("talk", "/api?\(query)")
        guard response.status == 200 else { throw TestError("\(query): \(response.status) \(response.text)") }
        return response.json
    }

    /// A stream into a channel goes on after its handler returned; a second tab that joins
    /// mid-answer with `since: {offset: 0}` gets every event in order: the missed ones, then live.
    @Test func aTabJoiningMidAnswerGetsEveryDeltaInOrder() throws {
        let setup = try Self.setUp()
        let first = try setup.server.socket("talk")
        let subscribed = try first.mustSubscribe("talk-1")
        let epoch = try #require(subscribed["epoch"] as? String)
        // 60 tokens at 40 a second: 1.5 s, long after the handler returned.
        let started = try Self.call(setup, "mode=channel&model=local:tokens-60-40")
        let streamID = try #require(started["streamId"] as? String, "\(started)")

        func event(_ message: [String: Any]) -> (offset: Int, type: String, text: String) {
            let data = message["data"] as? [String: Any] ?? [:]
            return (message["offset"] as? Int ?? -1, data["type"] as? String ?? "?", data["text"] as? String ?? "")
        }
        var seenByFirst: [(offset: Int, type: String, text: String)] = []
        while seenByFirst.count < 10 { seenByFirst.append(event(try first.nextMessage(on: "talk-1"))) }

        let second = try setup.server.socket("talk")
        let joined = try second.mustSubscribe("talk-1", since: ["offset": 0, "epoch": epoch])
        #expect(joined["recovered"] as? Bool == true, "\(joined)")
        var seenBySecond = (joined["messages"] as? [[String: Any]] ?? []).map(event)
        #expect(seenBySecond.count >= 10, "joined mid-answer: \(seenBySecond.count) events missed so far")
        #expect(seenBySecond.last?.type != "finish", "the answer was still under way when the tab joined")
        while seenBySecond.last?.type != "finish" { seenBySecond.append(event(try second.nextMessage(on: "talk-1"))) }
        while seenByFirst.last?.type != "finish" { seenByFirst.append(event(try first.nextMessage(on: "talk-1"))) }

        #expect(seenBySecond.map(\.offset) == Array(1...seenBySecond.count), "offsets 1, 2, 3 … without gaps")
        #expect(seenBySecond.map(\.offset) == seenByFirst.map(\.offset))
        let text = seenBySecond.filter { $0.type == "text-delta" }.map(\.text).joined()
        #expect(text == seenByFirst.filter { $0.type == "text-delta" }.map(\.text).joined())
        #expect(seenBySecond.filter { $0.type == "text-delta" }.count == 60, "every delta once: \(text)")
        #expect(streamID.hasPrefix("ais_"))
    }

    /// `fazt.ai.cancel` closes the provider connection within 100 ms (the mock notes the moment its
    /// client closed, independently of its next write).
    @Test func cancelClosesTheUpstreamWithin100Milliseconds() throws {
        let setup = try Self.setUp()
        let answer = try Self.call(setup, "mode=cancel")
        #expect(answer["cancelled"] as? Bool == true, "\(answer)")
        let cancelledAt = try #require(answer["cancelledAt"] as? Double)
        var closedAt: Double?
        let deadline = ContinuousClock.now + .seconds(5)
        while closedAt == nil, ContinuousClock.now < deadline {
            closedAt = (try setup.mock.requests().last?["closed_at"] as? Double).map { $0 * 1000 }
            if closedAt == nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        let closed = try #require(closedAt, "the provider saw its connection close")
        #expect(closed - cancelledAt < 100, "closed \(closed - cancelledAt) ms after fazt.ai.cancel")
    }

    /// The app's requests-per-minute budget: past it a call fails with AI_RATE_LIMITED before
    /// anything is sent.
    @Test func requestsPerMinuteAreLimited() throws {
        let setup = try Self.setUp()
        try setup.cli(["ai", "budget", "talk", "--requests-per-minute", "2"])
        for _ in 0..<2 { #expect(try Self.call(setup, "mode=call")["text"] != nil) }
        let sent = try setup.mock.requests().count
        let refused = try Self.call(setup, "mode=call")
        #expect(refused["code"] as? String == "AI_RATE_LIMITED", "\(refused)")
        #expect((refused["message"] as? String)?.contains("2 of its 2 requests in the last minute") == true)
        #expect(try setup.mock.requests().count == sent)
    }
}

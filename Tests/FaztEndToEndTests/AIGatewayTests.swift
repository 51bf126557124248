import FaztTestSupport
import Foundation
import Testing

/// `fazt.ai` through the real binary against the mock provider (scripts/mock-ai-provider.py):
/// grants, the owner's key kept out of everything JavaScript sees, streaming, retries and
/// fallbacks, mid-stream errors, channel streams with `onDone`, usage records.
@Suite struct AIGatewayTests {
    static let key = "sk-gateway-SECRET-7731"

    static let handler = """
        module.exports = async (req) => {
          const q = req.query;
          try {
            if (q.mode === 'call') return await fazt.ai({ model: q.model || undefined, prompt: q.prompt || 'hello there' });
            if (q.mode === 'stream') {
              const stream = fazt.ai.stream({ model: q.model, prompt: 'hello there' });
              const types = [];
              let text = '';
              for await (const event of stream) {
                types.push(event.type);
                if (event.type === 'text-delta') text += event.text;
              }
              return { types, text, result: await stream.result };
            }
            if (q.mode === 'channel') {
              return await fazt.ai.stream({ model: q.model, prompt: 'hello there', channel: 'chat-1',
                                            onDone: 'handlers/saved.js', meta: { conversation: 42 } });
            }
            if (q.mode === 'saved') return fazt.kv.get('saved') || {};
            if (q.mode === 'abandon') {
              for await (const event of fazt.ai.stream({ model: 'slow', prompt: 'hello there' })) break;
              return { left: true };
            }
            if (q.mode === 'cancel') {
              const { streamId } = await fazt.ai.stream({ model: 'slow', prompt: 'x', channel: 'chat-9' });
              await new Promise((resolve) => setTimeout(resolve, 100));
              return { streamId, cancelled: fazt.ai.cancel(streamId), again: fazt.ai.cancel(streamId) };
            }
            if (q.mode === 'abort') {
              const controller = new AbortController();
              setTimeout(() => controller.abort(), 100);
              try { await fazt.ai({ model: 'slow', prompt: 'x', signal: controller.signal }); return { aborted: false }; }
              catch (error) {
                // The invocation goes on: only the abort may have closed the upstream.
                await new Promise((resolve) => setTimeout(resolve, 1500));
                return { aborted: true, name: error.name };
              }
            }
            if (q.mode === 'record') {
              return await fazt.ai({ model: q.model || undefined, system: 'Be brief.', prompt: 'remember me',
                                     record: q.record === 'bad' ? 'yes' : true });
            }
            if (q.mode === 'sse') return fazt.ai.stream({ model: q.model, prompt: 'hello there' }).toResponse();
          } catch (error) {
            return { name: error.name, code: error.code, message: error.message };
          }
        };
        """

    static let saved = """
        exports.scheduled = (state) => { fazt.kv.set('saved', state); };
        """

    static let manifest = #"{"permissions": ["ai"], "realtime": {"channels": {"chat-*": {"history": 1000}}}}"#

    final class Setup: @unchecked Sendable {
        // Safe: used by one test on one thread.
        let server: ServerProcess
        let mock: MockAIProvider
        let env: [String: String]
        var outputs: [String] = []

        init(serverArguments: [String] = [], environment: [String: String] = [:]) throws {
            server = try ServerProcess(arguments: serverArguments, environment: environment)
            mock = try MockAIProvider(key: AIGatewayTests.key)
            env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
            let files = [
                ArchiveFixtures.file("fazt.json", AIGatewayTests.manifest),
                ArchiveFixtures.file("api/main.js", AIGatewayTests.handler),
                ArchiveFixtures.file("handlers/saved.js", AIGatewayTests.saved),
            ]
            let deployed = try server.deploy("bot", try ArchiveFixtures.zip(files))
            guard deployed.status == 201 else { throw TestError("deploy: \(deployed.status) \(deployed.text)") }
        }

        @discardableResult
        func cli(_ arguments: [String], input: String? = nil) throws -> (status: Int32, out: String, err: String) {
            let (status, out, err) = try ServerProcess.runCLI(arguments, environment: env, input: input)
            outputs += [out, err]
            guard status == 0 else { throw TestError("fazt \(arguments.joined(separator: " ")): \(err)") }
            return (status, out, err)
        }

        /// How the mock's last stream ended (`client-closed` when Fazt closed it) and the tokens it
        /// had sent, once it ended or after 5 s (the mock records no event to wait on).
        func upstreamEnd() throws -> (status: String?, sent: Int) {
            let deadline = ContinuousClock.now + .seconds(5)
            while true {
                let last = try mock.requests().last
                let status = last?["status"] as? String
                let sent = last?["events_sent"] as? Int ?? 0
                if status == "client-closed" || ContinuousClock.now >= deadline { return (status, sent) }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }

        /// The app's newest `ai` runs (newest first), each with its output parsed.
        func aiRuns() throws -> [(run: [String: Any], output: [String: Any])] {
            let listed = try cli(["runs", "bot", "--kind", "ai", "--json"])
            let body = try JSONSerialization.jsonObject(with: Data(listed.out.utf8)) as? [String: Any]
            return (body?["runs"] as? [[String: Any]] ?? []).map { run in
                let text = run["output"] as? String ?? "{}"
                let output = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                return (run, output ?? [:])
            }
        }

        func call(_ query: String) throws -> [String: Any] {
            let response = try server.app("bot", "/api?\(query)")
            outputs.append(response.text)
            guard response.status == 200 else { throw TestError("\(query): \(response.status) \(response.text)") }
            return response.json
        }

        /// Providers `openai` (the mock's OpenAI API) and `claude` (its Anthropic API), aliases per
        /// scenario, the app granted.
        func configure() throws {
            try cli(
                [
                    "ai", "provider", "add", "local", "--type", "openai-compatible", "--base-url",
                    mock.baseURL(for: .openAI), "--key-stdin",
                ],
                input: AIGatewayTests.key
            )
            try cli(
                [
                    "ai", "provider", "add", "claude", "--type", "anthropic", "--base-url",
                    mock.baseURL(for: .anthropic), "--key-stdin",
                ],
                input: AIGatewayTests.key
            )
            try cli([
                "ai", "model", "add", "fast", "--provider", "local", "--model", "echo", "--input-price", "1",
                "--output-price", "2", "--default",
            ])
            try cli(["ai", "model", "add", "tools", "--provider", "local", "--model", "tools"])
            try cli(["ai", "model", "add", "limited", "--provider", "local", "--model", "rate-limit"])
            try cli(["ai", "model", "add", "backup", "--provider", "claude", "--model", "echo"])
            try cli([
                "ai", "model", "add", "flaky", "--provider", "local", "--model", "reset-after", "--fallback", "backup",
            ])
            try cli(["ai", "model", "add", "overloaded", "--provider", "claude", "--model", "anthropic-error"])
            try cli(["ai", "model", "add", "slow", "--provider", "local", "--model", "tokens-400-50"])
            try cli(
                [
                    "ai", "provider", "add", "gem", "--type", "gemini", "--base-url", mock.baseURL(for: .gemini),
                    "--key-stdin",
                ],
                input: AIGatewayTests.key
            )
            try cli(["ai", "model", "add", "gemini", "--provider", "gem", "--model", "echo"])
            try cli(["grant", "bot", "ai"])
        }
    }

    @Test func callsAndStreamsWithTheOwnersKeyOutOfSight() throws {
        let setup = try Setup()
        // Not granted yet: refused before anything is sent.
        try setup.cli([
            "ai", "provider", "add", "early", "--type", "openai-compatible", "--base-url", "http://127.0.0.1:9/v1",
        ])
        let denied = try setup.call("mode=call")
        #expect(denied["code"] as? String == "AI_DENIED", "\(denied)")
        #expect((denied["message"] as? String)?.contains("fazt grant bot ai") == true)
        try setup.configure()

        // A whole answer, priced and recorded; the request asked the provider for streamed usage.
        let answer = try setup.call("mode=call&prompt=ping%20pong")
        #expect((answer["text"] as? String)?.contains("ping pong") == true, "\(answer)")
        #expect(answer["model"] as? String == "fast" && answer["provider"] as? String == "local")
        #expect(answer["finishReason"] as? String == "stop")
        let usage = answer["usage"] as? [String: Any]
        #expect((usage?["inputTokens"] as? Int ?? 0) > 0 && (usage?["outputTokens"] as? Int ?? 0) > 0)
        #expect((answer["cost"] as? Double ?? 0) > 0)
        let sent = try setup.mock.requests().last
        #expect(sent?["include_usage"] as? Bool == true)
        #expect(sent?["key_matched"] as? Bool == true)

        // Streamed in the handler: the deltas, then usage and finish; the result matches.
        let streamed = try setup.call("mode=stream&model=fast")
        let types = streamed["types"] as? [String] ?? []
        #expect(types.first == "text-delta" && types.suffix(2) == ["usage", "finish"], "\(types)")
        #expect(streamed["text"] as? String == (streamed["result"] as? [String: Any])?["text"] as? String)

        // Anthropic and Gemini answer through the same API (Gemini: no end marker, usage at the end).
        for model in ["backup", "gemini"] {
            let other = try setup.call("mode=stream&model=\(model)")
            #expect((other["text"] as? String)?.contains("hello there") == true, "\(model): \(other)")
            #expect((other["types"] as? [String])?.suffix(2) == ["usage", "finish"], "\(model): \(other)")
        }

        // Tool calls arrive whole, however the arguments were split.
        let tools = try setup.call("mode=call&model=tools")
        let toolCall = (tools["toolCalls"] as? [[String: Any]])?.first
        #expect(toolCall?["name"] != nil, "\(tools)")
        if let arguments = toolCall?["arguments"] as? String {
            #expect((try? JSONSerialization.jsonObject(with: Data(arguments.utf8))) != nil, "\(arguments)")
        }

        // 429 with retry-after: retried before the first byte, then answered.
        let limited = try setup.call("mode=call&model=limited")
        #expect(limited["text"] != nil && limited["code"] == nil, "\(limited)")
        // A reset after the first byte is never retried; the fallback is only for failures before it.
        let flaky = try setup.call("mode=stream&model=flaky")
        #expect((flaky["types"] as? [String])?.suffix(2) == ["error", "finish"], "\(flaky)")
        // Anthropic's error event after partial text: error + finish, the text kept once.
        let overloaded = try setup.call("mode=stream&model=overloaded")
        #expect((overloaded["types"] as? [String])?.contains("error") == true, "\(overloaded)")
        #expect(((overloaded["text"] as? String) ?? "").isEmpty == false)

        // Unknown model: a clear error naming the fix.
        let unknown = try setup.call("mode=call&model=nope")
        #expect(unknown["code"] as? String == "AI_NOT_CONFIGURED")
        #expect((unknown["message"] as? String)?.contains("fazt ai model add nope") == true)

        // Every call is in the execution history too.
        let runs = try setup.cli(["runs", "bot", "--kind", "ai", "--json"])
        #expect(
            runs.out.contains("\"kind\":\"ai\"") || runs.out.contains("\"kind\" : \"ai\""),
            "\(runs.out.prefix(300))"
        )
        #expect(runs.out.contains("local/echo"), "\(runs.out.prefix(300))")

        // Usage is recorded per model.
        let report = try setup.cli(["ai", "usage", "bot", "--json"])
        #expect(report.out.contains("fast"))

        // Over its budget, an app's call is refused before anything is sent.
        let sentBefore = try setup.mock.requests().count
        try setup.cli(["ai", "budget", "bot", "--tokens-per-day", "1"])
        let refused = try setup.call("mode=call")
        #expect(refused["code"] as? String == "AI_BUDGET", "\(refused)")
        #expect((refused["message"] as? String)?.contains("tokens today") == true)
        #expect(try setup.mock.requests().count == sentBefore)

        // The key appears nowhere: not in any answer, CLI output or the server's log.
        let everything = setup.outputs.joined(separator: "\n") + setup.server.stderr + setup.mock.stderr
        #expect(!everything.contains(Self.key))
    }

    /// `toResponse()`: the daemon sends the answer as server-sent events after the handler returned,
    /// never gzipped or buffered, and closes the connection after `finish`.
    /// By default the provider is read on the caller's connection loop (`LoopHTTPClient`); with
    /// `FAZT_AI_CLIENT=curl` on libcurl's thread: the same answer.
    @Test(arguments: ["default", "curl"])
    func toResponseStreamsServerSentEventsToTheCaller(client: String) throws {
        let setup = try Setup(environment: client == "curl" ? ["FAZT_AI_CLIENT": "curl"] : [:])
        try setup.configure()
        let connection = try TestConnection(port: setup.server.port, timeoutSeconds: 20)
        try connection.sendRequest(
            "GET",
            "/api?mode=sse&model=fast",
            host: "bot.localhost:\(setup.server.port)",
            headers: [("Accept", "text/event-stream"), ("Accept-Encoding", "gzip, br")]
        )
        let raw = String(decoding: try connection.readToEnd(), as: UTF8.self)
        let parts = raw.components(separatedBy: "\r\n\r\n")
        let head = parts[0].lowercased()
        #expect(head.hasPrefix("http/1.1 200"), "\(raw.prefix(300))")
        #expect(head.contains("content-type: text/event-stream"))
        #expect(head.contains("cache-control: no-cache") && head.contains("x-accel-buffering: no"))
        #expect(!head.contains("content-encoding") && !head.contains("x-fazt-ai-stream"))
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        let types = body.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
        #expect(types.first == "text-delta" && types.suffix(2) == ["usage", "finish"], "\(body.prefix(400))")
        #expect(body.contains(#"data: {"type":"text-delta","text":"#))
        #expect(!raw.contains(Self.key))

        // The daemon counts how long each provider piece takes to leave as an event (pieces that
        // arrive before the handler returned wait for it and are not counted: a paced answer), and
        // how long a call takes to reach the provider.
        _ = try setup.server.api("DELETE", "/ai/latency")
        let paced = try TestConnection(port: setup.server.port, timeoutSeconds: 20)
        try paced.sendRequest(
            "GET",
            "/api?mode=sse&model=local:tokens-20-200",
            host: "bot.localhost:\(setup.server.port)"
        )
        #expect(String(decoding: try paced.readToEnd(), as: UTF8.self).contains("event: finish"))
        let latency = try setup.server.api("GET", "/ai/latency").json
        for part in ["perToken", "perTokenToWrite", "toRequest"] {
            let figures = latency[part] as? [String: Any] ?? [:]
            #expect((figures["samples"] as? Int ?? 0) > 0, "\(part): \(latency)")
            #expect(figures["p50Ms"] is Double, "\(part): \(latency)")
        }
        let reset = try setup.server.api("DELETE", "/ai/latency").json
        let token = reset["perToken"] as? [String: Any] ?? [:]
        #expect(token["samples"] as? Int == 0 && token["p50Ms"] is NSNull, "\(reset)")
    }

    /// A `toResponse()` answer reads the provider on the caller's loop, and the next caller may be
    /// on any loop: once a provider answered, each other loop opens an idle connection to it, so a
    /// call there sends its request at once (no connect, and no TLS handshake with a real
    /// provider) — as libcurl's one pool would.
    @Test func everyLoopKeepsAConnectionToAProviderThatAnswered() throws {
        let setup = try Setup(serverArguments: ["--event-loops", "3"])
        try setup.configure()
        func answer() throws -> String {
            let connection = try TestConnection(port: setup.server.port, timeoutSeconds: 20)
            try connection.sendRequest("GET", "/api?mode=sse&model=fast", host: "bot.localhost:\(setup.server.port)")
            return String(decoding: try connection.readToEnd(), as: UTF8.self)
        }
        #expect(try answer().contains("event: finish"))
        // Its connection waits on its loop; the two other loops each open one.
        let deadline = ContinuousClock.now + .seconds(10)
        var connections = try setup.mock.connections()
        while connections.idle < 2, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            connections = try setup.mock.connections()
        }
        #expect(connections.idle == 2, "connections waiting at the provider: \(connections)")
        // Callers on every loop (connections are spread over them in turn): none connects anew.
        for _ in 0..<6 { #expect(try answer().contains("event: finish")) }
        let used = try setup.mock.requests().compactMap { $0["connection"] as? Int }
        #expect(used.count == 7 && Set(used).count <= 3, "\(used)")
        #expect(
            used.dropFirst().allSatisfy { $0 <= connections.opened },
            "opened before: \(connections.opened), used: \(used)"
        )
    }

    /// A stream only its invocation could read stops when that invocation ends: the upstream
    /// connection closes instead of generating (and billing) an answer nobody reads.
    @Test func aStreamTheHandlerLeftStopsWithTheInvocation() throws {
        let setup = try Setup()
        try setup.configure()
        let left = try setup.call("mode=abandon")
        #expect(left["left"] as? Bool == true, "\(left)")
        let (status, sent) = try setup.upstreamEnd()
        #expect(status == "client-closed")
        #expect(sent < 100, "400 tokens at 50/s: the upstream closed after \(sent)")
    }

    /// `fazt.ai.cancel(streamId)` stops a channel stream: the upstream connection closes at once.
    @Test func cancelClosesTheUpstreamOfAChannelStream() throws {
        let setup = try Setup()
        try setup.configure()
        let answer = try setup.call("mode=cancel")
        #expect(answer["cancelled"] as? Bool == true && answer["again"] as? Bool == false, "\(answer)")
        let (status, sent) = try setup.upstreamEnd()
        #expect(status == "client-closed")
        // 50 tokens a second: cancelled 100 ms in, the upstream stopped within a few tokens.
        #expect(sent < 15, "the upstream closed after \(sent) tokens")
    }

    /// A stream that crosses the app's budget mid-way is stopped: `error` (AI_BUDGET) and `finish`,
    /// the text so far kept, its estimated usage recorded.
    @Test func aStreamThatCrossesTheBudgetIsStopped() throws {
        let setup = try Setup()
        try setup.configure()
        try setup.cli(["ai", "model", "add", "long", "--provider", "local", "--model", "tokens-3000-200"])
        try setup.cli(["ai", "budget", "bot", "--tokens-per-day", "300"])
        let answer = try setup.call("mode=stream&model=long")
        let types = answer["types"] as? [String] ?? []
        #expect(types.suffix(2) == ["error", "finish"], "\(types.suffix(5))")
        #expect(types.count > 100 && types.count < 2000, "\(types.count) events")
        let usage = try setup.cli(["ai", "usage", "bot", "--json"])
        let rows = (try JSONSerialization.jsonObject(with: Data(usage.out.utf8)) as? [String: Any])?["usage"]
        let long = (rows as? [[String: Any]])?.first { $0["model"] as? String == "long" }
        #expect((long?["outputTokens"] as? Int ?? 0) > 0, "\(usage.out)")
        #expect(long?["errors"] as? Int == 1, "\(usage.out)")
    }

    /// `signal`: aborting rejects the call with the signal's reason and closes the upstream.
    @Test func anAbortedSignalStopsTheCall() throws {
        let setup = try Setup()
        try setup.configure()
        let answer = try setup.call("mode=abort")
        #expect(answer["aborted"] as? Bool == true && answer["name"] as? String == "AbortError", "\(answer)")
        let (status, sent) = try setup.upstreamEnd()
        #expect(status == "client-closed")
        #expect(sent < 15, "the upstream closed after \(sent) tokens")
    }

    @Test func aChannelStreamOutlivesTheHandlerAndRunsOnDone() throws {
        let setup = try Setup()
        try setup.configure()
        let socket = try setup.server.socket("bot")
        let subscribed = try socket.mustSubscribe("chat-1")
        let epoch = try #require(subscribed["epoch"] as? String)
        let started = try setup.call("mode=channel&model=fast")
        let streamID = try #require(started["streamId"] as? String, "\(started)")

        var text = ""
        var types: [String] = []
        while types.last != "finish" {
            let data = try #require(try socket.nextMessage(on: "chat-1")["data"] as? [String: Any])
            #expect(data["streamId"] as? String == streamID)
            let type = data["type"] as? String ?? "?"
            types.append(type)
            if type == "text-delta" { text += data["text"] as? String ?? "" }
        }
        #expect(types.first == "text-delta" && types.suffix(2) == ["usage", "finish"], "\(types)")
        // A tab that joins later replays the whole answer from the channel's history.
        let late = try setup.server.socket("bot")
        let replay = try late.mustSubscribe("chat-1", since: ["offset": 0, "epoch": epoch])
        #expect(replay["recovered"] as? Bool == true)
        #expect((replay["messages"] as? [Any])?.count == types.count)

        // onDone ran as a job with the whole answer and the meta.
        var saved: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(10)
        while saved["text"] == nil, ContinuousClock.now < deadline {
            saved = try setup.call("mode=saved")
            if saved["text"] == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(saved["text"] as? String == text)
        #expect(saved["streamId"] as? String == streamID)
        #expect((saved["meta"] as? [String: Any])?["conversation"] as? Int == 42)
    }

    /// `--ai-stall-seconds`: a provider silent before its first byte is retried like any timeout,
    /// then the call fails with `AI_TIMEOUT`; one silent after some text ends the stream with
    /// `error` (AI_TIMEOUT) and `finish`, the partial text kept. Both are in the run history.
    @Test func aSilentProviderTimesOut() throws {
        let setup = try Setup(serverArguments: ["--ai-stall-seconds", "1", "--js-timeout-ms", "30000"])
        try setup.configure()
        try setup.cli(["ai", "model", "add", "mute", "--provider", "local", "--model", "silent"])
        try setup.cli(["ai", "model", "add", "stalled", "--provider", "local", "--model", "stall-after"])

        let started = ContinuousClock.now
        let silent = try setup.call("mode=call&model=mute")
        let elapsed = ContinuousClock.now - started
        #expect(silent["name"] as? String == "FaztError" && silent["code"] as? String == "AI_TIMEOUT", "\(silent)")
        // Three attempts of about a second each, 0.5 s and 1 s apart: far under the 60 s default.
        #expect(elapsed < .seconds(15), "\(elapsed)")
        let attempts = try setup.mock.requests().filter { $0["scenario"] as? String == "silent" }
        #expect(attempts.count == 3, "\(attempts.count) attempts")

        let stalled = try setup.call("mode=stream&model=stalled")
        #expect((stalled["types"] as? [String])?.suffix(2) == ["error", "finish"], "\(stalled)")
        #expect((stalled["text"] as? String ?? "").isEmpty == false, "\(stalled)")
        let result = stalled["result"] as? [String: Any]
        #expect(result?["error"] as? String == "AI_TIMEOUT", "\(stalled)")
        #expect(result?["finishReason"] as? String == "error", "\(stalled)")
        #expect(result?["text"] as? String == stalled["text"] as? String)

        let runs = try setup.aiRuns()
        #expect(runs.count == 2, "\(runs.map(\.run))")
        for (run, _) in runs {
            #expect(run["outcome"] as? String == "failed" && run["error"] as? String == "AI_TIMEOUT", "\(run)")
        }
        #expect(runs.first?.run["name"] as? String == "local/stall-after")
    }

    /// `record: true` keeps the prompt and the answer in the `ai` run's output; without it the run
    /// holds only usage, cost and timing. A non-boolean `record` is refused by name.
    @Test func recordKeepsThePromptAndAnswerOnlyWhenAsked() throws {
        let setup = try Setup()
        try setup.configure()
        let recorded = try setup.call("mode=record")
        #expect((recorded["text"] as? String)?.contains("remember me") == true, "\(recorded)")
        _ = try setup.call("mode=call&prompt=forget%20me")
        let invalid = try setup.call("mode=record&record=bad")
        #expect(invalid["code"] as? String == "INVALID_ARGUMENT", "\(invalid)")
        #expect((invalid["message"] as? String)?.contains("record must be true or false") == true, "\(invalid)")

        let runs = try setup.aiRuns()
        #expect(runs.count == 2, "\(runs.map(\.run))")
        let plain = try #require(runs.first?.output)
        #expect(plain["prompt"] == nil && plain["text"] == nil && plain["toolCalls"] == nil, "\(plain)")
        #expect(plain["inputTokens"] != nil)
        let plainText = runs.first?.run["output"] as? String ?? ""
        #expect(!plainText.contains("forget"), "\(plainText)")
        let kept = try #require(runs.last?.output)
        let prompt = kept["prompt"] as? [String: Any]
        #expect(prompt?["system"] as? String == "Be brief." && prompt?["prompt"] as? String == "remember me", "\(kept)")
        #expect(kept["text"] as? String == recorded["text"] as? String, "\(kept)")
        #expect((kept["toolCalls"] as? [Any])?.isEmpty == true && kept["promptCut"] == nil)
        #expect(kept["outputTokens"] != nil)
        let everything = setup.outputs.joined(separator: "\n") + setup.server.stderr
        #expect(!everything.contains(Self.key))
    }
}

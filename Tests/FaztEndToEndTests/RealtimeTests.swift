import FaztTestSupport
import Foundation
import Testing

/// Issue #12, realtime: WebSockets at `/_ws` on an app's host through the real binary: the
/// handshake and Origin checks, publishing from clients, the control API and the CLI, recovery after
/// a reconnect, and no JavaScript while sockets sit idle.
@Suite struct RealtimeTests {
    static let chatManifest = #"{"realtime": {"channels": {"chat-*": {"publish": true}}}}"#

    @Test func upgradesOnlyOnTheAppHostsSocketPath() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("chat", manifest: Self.chatManifest)
        #expect(refusal { try server.socket("ghost") }?.status == 404, "an unknown app")
        #expect(refusal { try server.socket("chat", path: "/other") } != nil, "only /_ws upgrades")
        let control = refusal {
            try WebSocketTestClient.connect(port: server.port, host: "localhost:\(server.port)", path: "/_ws")
        }
        #expect(control != nil, "the control host has no sockets")

        #expect(refusal { try server.socket("chat", omitting: ["Sec-WebSocket-Key"]) }?.status == 400)
        #expect(refusal { try server.socket("chat", headers: [("Sec-WebSocket-Key", "short")]) }?.status == 400)
        let version = refusal { try server.socket("chat", headers: [("Sec-WebSocket-Version", "12")]) }
        #expect(version?.status == 426)
        #expect(version?.header("Sec-WebSocket-Version") == "13", "a 426 names the version it speaks")

        let client = try server.socket("chat", origin: server.origin(of: "chat"))
        let subscribed = try client.mustSubscribe("chat-1")
        #expect(int(subscribed["offset"]) == 0, "\(subscribed)")
        #expect(subscribed["epoch"] != nil, "\(subscribed)")
        try client.sendClose(code: 1000, reason: "done")
        #expect(try client.expectClose().code == 1000, "the server answers a close")
    }

    @Test func checksTheOriginAgainstAnExactAllowList() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("own", manifest: #"{"realtime": {}}"#)
        try server.deployRealtimeApp("listed", manifest: #"{"realtime": {"origins": ["https://example.com"]}}"#)
        try server.deployRealtimeApp("open", manifest: #"{"realtime": {"origins": ["*"]}}"#)
        try server.deployRealtimeApp("strict", manifest: #"{"realtime": {"requireOrigin": true}}"#)

        // The default: the app's own origin only; no Origin (not a browser) is accepted.
        _ = try server.socket("own", origin: server.origin(of: "own"))
        _ = try server.socket("own")
        #expect(refusal { try server.socket("own", origin: "http://evil-own.localhost:\(server.port)") }?.status == 403)
        #expect(
            refusal { try server.socket("own", origin: "http://own.localhost:\(server.port).evil.com") }?.status == 403
        )
        #expect(refusal { try server.socket("own", origin: "https://example.com") }?.status == 403)
        #expect(
            refusal { try server.socket("own", origin: "http://own.localhost:1") }?.status == 403,
            "the port counts"
        )
        #expect(refusal { try server.socket("own", origin: server.origin(of: "listed")) }?.status == 403)

        // An exact list: scheme and host must match.
        _ = try server.socket("listed", origin: "https://example.com")
        #expect(refusal { try server.socket("listed", origin: "http://example.com") }?.status == 403)
        #expect(refusal { try server.socket("listed", origin: "https://example.com.evil.net") }?.status == 403)
        #expect(refusal { try server.socket("listed", origin: "https://sub.example.com") }?.status == 403)

        // "*": any origin.
        _ = try server.socket("open", origin: "https://anything.example")
        _ = try server.socket("open", origin: server.origin(of: "own"))

        // requireOrigin: a missing Origin is refused; the own origin still works.
        #expect(refusal { try server.socket("strict") }?.status == 403)
        _ = try server.socket("strict", origin: server.origin(of: "strict"))
    }

    @Test func publishesFromClientsOnlyOnOpenChannels() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("chat", manifest: Self.chatManifest)
        let ana = try server.socket("chat")
        let bob = try server.socket("chat")
        let eve = try server.socket("chat")
        try ana.mustSubscribe("chat-1")
        try ana.mustSubscribe("chat-2")
        try bob.mustSubscribe("chat-1")
        try eve.mustSubscribe("chat-1")

        // Bob publishes (whether a publisher gets its own message back is not asserted).
        try bob.publish("chat-1", data: ["text": "hi"])
        let received = try ana.nextMessage(on: "chat-1")
        #expect((received["data"] as? [String: Any])?["text"] as? String == "hi", "\(received)")
        #expect(int(received["offset"]) == 1 && isNumber(received["timestamp"]), "\(received)")
        #expect(int(try eve.nextMessage(on: "chat-1")["offset"]) == 1)

        // Any JSON value is data.
        try bob.publish("chat-1", data: [1, "two", NSNull()])
        #expect((try ana.nextMessage(on: "chat-1")["data"] as? [Any])?.count == 3)
        #expect(int(try eve.nextMessage(on: "chat-1")["offset"]) == 2)

        // A channel the manifest does not open to clients refuses publishing.
        try eve.publish("news", data: ["text": "spam"])
        let refused = try eve.reply(among: ["error"], waitingFor: "the error for publishing on news")
        #expect(refused["code"] != nil && refused["error"] is String, "\(refused)")

        // A pong is accepted silently; after unsubscribing, chat-1 no longer reaches ana.
        try ana.send(json: ["type": "pong"])
        try ana.send(json: ["type": "unsubscribe", "channel": "chat-1"])
        let unsubscribed = try ana.reply(among: ["unsubscribed", "error"], waitingFor: "the unsubscribe reply")
        #expect(unsubscribed["type"] as? String == "unsubscribed" && unsubscribed["channel"] as? String == "chat-1")
        try bob.publish("chat-1", data: "after")
        #expect(try eve.nextMessage(on: "chat-1")["data"] as? String == "after")
        // A marker on chat-2 sent after: ana's next message is the marker, not chat-1's.
        _ = try server.mustPublish("chat", "chat-2", json: #""marker""#)
        let next = try ana.receiveJSON(type: "message")
        #expect(next["channel"] as? String == "chat-2" && next["data"] as? String == "marker", "\(next)")
    }

    @Test func publishesThroughTheControlAPIAndTheCLI() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("news", manifest: #"{"realtime": {}}"#)
        let reader = try server.socket("news")
        try reader.mustSubscribe("headlines")

        #expect(try server.mustPublish("news", "headlines", json: #"{"title":"one"}"#) == 1)
        let first = try reader.nextMessage(on: "headlines")
        #expect((first["data"] as? [String: Any])?["title"] as? String == "one" && int(first["offset"]) == 1)

        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        let (status, output, problem) = try ServerProcess.runCLI(
            ["publish", "news", "headlines", #"{"title":"two"}"#],
            environment: env
        )
        #expect(status == 0, "\(output) \(problem)")
        let second = try reader.nextMessage(on: "headlines")
        #expect((second["data"] as? [String: Any])?["title"] as? String == "two" && int(second["offset"]) == 2)

        #expect(try server.publish("ghost", "headlines", json: "1").status == 404)
        #expect(
            try server.api("POST", "/apps/news/channels/headlines/messages", token: "fzt_wrong", body: [49]).status
                == 401
        )
        let (bad, _, _) = try ServerProcess.runCLI(["publish", "news", "headlines", "{not json"], environment: env)
        #expect(bad != 0, "the CLI refuses data that is not JSON")
    }

    @Test func recoversMissedMessagesInOrderAfterAReconnect() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("feed", manifest: #"{"realtime": {}}"#)
        let first = try server.socket("feed")
        let subscribed = try first.mustSubscribe("updates")
        let epoch = try #require(subscribed["epoch"])
        for n in 1...3 { _ = try server.mustPublish("feed", "updates", json: #"{"n":\#(n)}"#) }
        let live = try (1...3).map { _ in int(try first.nextMessage(on: "updates")["offset"]) }
        #expect(live == [1, 2, 3])
        first.closeAbruptly()
        for n in 4...6 { #expect(try server.mustPublish("feed", "updates", json: #"{"n":\#(n)}"#) == n) }

        let second = try server.socket("feed")
        let recovered = try second.mustSubscribe("updates", since: ["offset": 3, "epoch": epoch])
        #expect(recovered["recovered"] as? Bool == true, "\(recovered)")
        let missed = recovered["messages"] as? [[String: Any]] ?? []
        #expect(missed.map { int($0["offset"]) } == [4, 5, 6], "\(missed)")
        #expect(missed.map { int(($0["data"] as? [String: Any])?["n"]) } == [4, 5, 6])

        // Live messages continue after the recovered ones, each once.
        #expect(try server.mustPublish("feed", "updates", json: #"{"n":7}"#) == 7)
        #expect(int(try second.nextMessage(on: "updates")["offset"]) == 7)
        _ = try server.mustPublish("feed", "updates", json: #"{"n":8}"#)
        #expect(int(try second.nextMessage(on: "updates")["offset"]) == 8, "7 arrived once")
    }

    @Test func givesUpRecoveryBeyondTheHistory() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("short", manifest: #"{"realtime": {"channels": {"ticks": {"history": 2}}}}"#)
        let first = try server.socket("short")
        let subscribed = try first.mustSubscribe("ticks")
        let epoch = try #require(subscribed["epoch"])
        let start = try #require(int(subscribed["offset"]))
        first.closeAbruptly()
        for n in 1...5 { _ = try server.mustPublish("short", "ticks", json: "\(n)") }

        let second = try server.socket("short")
        let reply = try second.mustSubscribe("ticks", since: ["offset": start, "epoch": epoch])
        #expect(reply["recovered"] as? Bool == false, "5 missed with a history of 2: \(reply)")
        #expect(int(reply["offset"]) == start + 5, "the reply names the current offset: \(reply)")
        _ = try server.mustPublish("short", "ticks", json: "6")
        #expect(try second.nextMessage(on: "ticks")["data"] as? Int == 6, "live messages still flow")
    }

    @Test func runsNoWorkerWhileAHundredSocketsSitIdle() throws {
        let server = try ServerProcess(arguments: ["--worker-idle-seconds", "1"])
        try server.deployRealtimeApp("idle", manifest: #"{"realtime": {}}"#)
        // The deploy may have used a worker; there is no signal but its exit, so poll (bounded).
        func waitForNoWorkers() -> [Int32] {
            var children = server.childProcesses
            for _ in 0..<500 where !children.isEmpty {
                usleep(20_000)
                children = server.childProcesses
            }
            return children
        }
        #expect(waitForNoWorkers().isEmpty)
        let sockets = try (0..<100).map { index in
            let socket = try server.socket("idle")
            try socket.mustSubscribe("room-\(index % 10)")
            return socket
        }
        #expect(server.childProcesses.isEmpty, "sockets are held by the event loops, not by JavaScript")
        _ = try server.mustPublish("idle", "room-3", json: #""wake""#)
        for index in stride(from: 3, to: 100, by: 10) {
            #expect(try sockets[index].nextMessage(on: "room-3")["data"] as? String == "wake")
        }
        #expect(server.childProcesses.isEmpty, "a broadcast runs no JavaScript either")
        #expect(server.isRunning)
    }
}

extension RealtimeTests {
    @Test func deletingTheAppClosesItsSocketsWith1001AndADeployKeepsThem() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("gone", manifest: Self.chatManifest)
        let socket = try server.socket("gone")
        try socket.mustSubscribe("chat-1")
        // A new version keeps the socket and its subscription.
        try server.deployRealtimeApp("gone", manifest: Self.chatManifest)
        _ = try server.mustPublish("gone", "chat-1", json: #"{"after":"deploy"}"#)
        let message = try socket.receiveJSON(type: "message")
        #expect((message["data"] as? [String: Any])?["after"] as? String == "deploy", "\(message)")
        let deleted = try server.api("DELETE", "/apps/gone")
        #expect(deleted.status == 200, "\(deleted.text)")
        let close = try socket.expectClose()
        #expect(close.code == 1001, "\(close)")
    }
}

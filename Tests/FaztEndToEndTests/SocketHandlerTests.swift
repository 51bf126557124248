import FaztTestSupport
import Foundation
import Glibc
import Testing

/// Hibernating socket handlers (`api/_socket.js`) and `fazt.socket` through the real binary.
@Suite struct SocketHandlerTests {
    static let handler = """
        exports.open = (ws, req) => {
          if (req.query.reject === '1') return false;
          if (req.query.throw === '1') throw new Error('not today');
          ws.setAttachment({ room: req.query.room || 'lobby' });
          ws.setTags(['room-' + (req.query.room || 'lobby')]);
          ws.send({ hello: ws.id, user: ws.user });
        };
        exports.message = (ws, data) => {
          if (typeof data !== 'string') return ws.send({ bytes: Array.from(data), type: data.constructor.name });
          if (data === 'who') return ws.send({ id: ws.id, attachment: ws.attachment, tags: ws.tags });
          if (data.startsWith('join ')) { ws.subscribe(data.slice(5)); return; }
          if (data.startsWith('note ')) { ws.setAttachment({ note: data.slice(5) }); return ws.send('noted'); }
          if (data === 'bye') return ws.close(4001, 'asked to leave');
          if (data === 'bin') return ws.send(new Uint8Array([1, 2, 255]));
          if (data === 'slow') { const end = Date.now() + 30; while (Date.now() < end) {} return; }
          ws.send('echo:' + data);
        };
        exports.close = (ws, code, reason) => {
          fazt.kv.incr('closes:' + ws.id);
          fazt.kv.set('close:' + ws.id, { code, reason, attachment: ws.attachment });
        };
        """

    static let http = """
        module.exports = (req) => {
          const q = req.query;
          switch (q.op) {
            case 'broadcast': return { offset: fazt.socket.broadcast(q.channel, { n: Number(q.n) }) };
            case 'send': return { sent: fazt.socket.send(q.id, 'direct:' + q.text) };
            case 'kick': return { kicked: fazt.socket.kick(q.id, 'go away') };
            case 'token': return { token: fazt.socket.token({ user: q.user, channels: ['private-*'], ttl: 60 }) };
            case 'count': return { count: fazt.socket.count(q.channel), all: fazt.realtime.count() };
            case 'sockets': return fazt.socket.sockets({ tag: q.tag });
            case 'close': return { close: fazt.kv.get('close:' + q.id), closes: fazt.kv.get('closes:' + q.id) };
            case 'presence': return fazt.socket.presence(q.channel);
            case 'all': return { sent: fazt.realtime.broadcastAll({ to: 'everyone' }) };
          }
          return 'ops: broadcast send kick token count sockets close';
        };
        """

    static let manifest = #"""
        {"realtime": {"channels": {"private-*": {"auth": "token"}, "room-*": {"presence": true}}}}
        """#

    static func files(handler: String = handler) -> [ArchiveFixtures.Entry] {
        [
            ArchiveFixtures.file("fazt.json", manifest),
            ArchiveFixtures.file("api/_socket.js", handler),
            ArchiveFixtures.file("api/main.js", http),
        ]
    }

    static func server(_ arguments: [String] = []) throws -> ServerProcess {
        let server = try ServerProcess(arguments: arguments)
        let response = try server.deploy("live", try ArchiveFixtures.zip(files()))
        guard response.status == 201 else { throw TestError("deploy: \(response.status) \(response.text)") }
        return server
    }

    // MARK: open, message, close

    @Test func openMessageAndCloseRunTheHandler() throws {
        let server = try Self.server()
        let socket = try server.openSocket("live", query: "room=blue")
        let id = try socket.helloID()
        try socket.send(text: "hi")
        #expect(try socket.nextText() == "echo:hi")
        try socket.send(binary: [1, 2, 255])
        let bytes = try socket.nextJSON()
        #expect(bytes["bytes"] as? [Int] == [1, 2, 255])
        #expect(bytes["type"] as? String == "Uint8Array")
        // Protocol messages are the daemon's: they never reach the handler.
        try socket.send(text: #"{"type":"ping"}"#)
        #expect(try socket.nextJSON()["type"] as? String == "pong")
        try socket.send(text: "who")
        let who = try socket.nextJSON()
        #expect(who["id"] as? String == id)
        #expect((who["attachment"] as? [String: Any])?["room"] as? String == "blue")
        #expect(who["tags"] as? [String] == ["room-blue"])

        try socket.sendClose(code: 1000, reason: "done")
        _ = try socket.expectClose()
        let closed = try server.waitForClose("live", id)
        #expect(closed["code"] as? Int == 1000)
        #expect(closed["reason"] as? String == "done")
        #expect((closed["attachment"] as? [String: Any])?["room"] as? String == "blue")
        try server.expectOneClose("live", id)
    }

    @Test func closeRunsOnceForAnAbruptDropAndAKick() throws {
        let server = try Self.server()
        let dropped = try server.openSocket("live")
        let droppedID = try dropped.helloID()
        dropped.closeAbruptly()
        #expect(try server.waitForClose("live", droppedID)["code"] as? Int == 1006)
        try server.expectOneClose("live", droppedID)

        let kicked = try server.openSocket("live")
        let kickedID = try kicked.helloID()
        #expect(try server.app("live", "/api?op=kick&id=\(kickedID)").json["kicked"] as? Bool == true)
        let close = try kicked.expectClose()
        #expect(close.code == 4009)
        #expect(close.reason == "go away")
        #expect(try server.waitForClose("live", kickedID)["code"] as? Int == 4009)
        try server.expectOneClose("live", kickedID)

        let leaving = try server.openSocket("live")
        let leavingID = try leaving.helloID()
        try leaving.send(text: "bye")
        let asked = try leaving.expectClose()
        #expect(asked.code == 4001)
        #expect(asked.reason == "asked to leave")
        #expect(try server.waitForClose("live", leavingID)["code"] as? Int == 4001)
        try server.expectOneClose("live", leavingID)
    }

    @Test func openReturningFalseOrThrowingClosesWith1008() throws {
        let server = try Self.server()
        for query in ["reject=1", "throw=1"] {
            let socket = try server.openSocket("live", query: query)
            let close = try socket.expectClose()
            #expect(close.code == 1008, "\(query)")
        }
        // The failed open is in the run history (written after the close frame, so wait for it, bounded).
        var runs = try server.api("GET", "/apps/live/runs?kind=socket")
        let deadline = Date().addingTimeInterval(10)
        while !runs.text.contains("not today") && Date() < deadline {
            usleep(20_000)
            runs = try server.api("GET", "/apps/live/runs?kind=socket")
        }
        #expect(runs.status == 200)
        #expect(runs.text.contains("not today"), "\(runs.text)")
    }

    @Test func aClientThatOutrunsItsHandlerIsClosed() throws {
        let server = try Self.server()
        let socket = try server.openSocket("live")
        let id = try socket.helloID()
        // Each message keeps the handler busy for 30 ms; 150 sent at once overflow the 100 that
        // may wait. Those are dropped, so close runs soon after.
        for _ in 0..<150 { try socket.send(text: "slow") }
        let close = try socket.expectClose(timeout: .seconds(10))
        #expect(close.code == 1008)
        #expect(close.reason.contains("wait for the socket handler"), "\(close.reason)")
        #expect(try server.waitForClose("live", id)["code"] as? Int == 1008)
        try server.expectOneClose("live", id)
    }

    @Test func stopsCleanlyWithHandledSocketsOpen() throws {
        let server = try Self.server()
        var sockets: [WebSocketTestClient] = []
        for _ in 0..<3 {
            let socket = try server.openSocket("live")
            _ = try socket.helloID()
            sockets.append(socket)
        }
        try sockets[0].send(text: "slow")
        #expect(server.stop() == 0, "\(server.stderr)")
        for socket in sockets { _ = try socket.expectClose() }
    }

    /// A handler's socket that never used the channel protocol gets only protocol pings: nothing
    /// unasked-for in the app's own message stream; once subscribed it gets the JSON ping too.
    @Test func jsonPingsOnlyOnceTheSocketUsesTheChannelProtocol() throws {
        let server = try Self.server(["--socket-ping-seconds", "1"])
        let socket = try server.openSocket("live")
        _ = try socket.helloID()
        var protocolPings = 0
        while protocolPings < 2 {
            let frame = try socket.receive(timeout: .seconds(5))
            #expect(frame.opcode != WebSocketTestClient.Opcode.text, "unasked-for: \(frame.text ?? "")")
            if frame.opcode == WebSocketTestClient.Opcode.ping { protocolPings += 1 }
        }
        try socket.send(text: "join room-x")
        var sawSubscribed = false
        var sawJSONPing = false
        let deadline = ContinuousClock.now + .seconds(5)
        while !sawJSONPing, ContinuousClock.now < deadline {
            let frame = try socket.receive(timeout: .seconds(5))
            guard frame.opcode == WebSocketTestClient.Opcode.text, let text = frame.text else { continue }
            if text.contains(#""type":"subscribed""#) { sawSubscribed = true }
            if text == #"{"type":"ping"}"# { sawJSONPing = true }
        }
        #expect(sawSubscribed && sawJSONPing)
    }

    // MARK: State that survives workers

    @Test func attachmentSurvivesAKilledWorker() throws {
        let server = try Self.server()
        let socket = try server.openSocket("live")
        _ = try socket.helloID()
        try socket.send(text: "note remember me")
        #expect(try socket.nextText() == "noted")
        let workers = server.childProcesses
        #expect(!workers.isEmpty)
        for pid in workers { kill(pid, SIGKILL) }
        #expect(server.waitForWorkers { pids in pids.allSatisfy { !workers.contains($0) } })
        try socket.send(text: "who")
        let who = try socket.nextJSON()
        #expect((who["attachment"] as? [String: Any])?["note"] as? String == "remember me")
    }

    @Test func zeroWorkersWhileSocketsSitIdle() throws {
        let server = try Self.server(["--worker-idle-seconds", "1"])
        // An app without a handler: sockets and channels never start JavaScript.
        let plain = try server.deploy("plain", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "hi")]))
        #expect(plain.status == 201)
        #expect(server.waitForWorkers { $0.isEmpty })
        var quiet: [WebSocketTestClient] = []
        for _ in 0..<3 {
            let socket = try server.openSocket("plain")
            try socket.send(text: #"{"type":"subscribe","channel":"news"}"#)
            #expect(try socket.nextJSON()["type"] as? String == "subscribed")
            quiet.append(socket)
        }
        #expect(server.childProcesses.isEmpty)
        // With a handler: open ran in a worker, which retires while the socket stays open.
        let socket = try server.openSocket("live")
        _ = try socket.helloID()
        #expect(server.waitForWorkers { $0.isEmpty })
        try socket.send(text: "still there?")
        #expect(try socket.nextText() == "echo:still there?")
        #expect(quiet.count == 3)
    }

    @Test func theNextEventAfterADeployRunsTheNewVersion() throws {
        let server = try Self.server()
        let socket = try server.openSocket("live")
        _ = try socket.helloID()
        let second = Self.handler.replacingOccurrences(of: "'echo:' + data", with: "'v2:' + data")
        #expect(try server.deploy("live", try ArchiveFixtures.zip(Self.files(handler: second))).status == 201)
        try socket.send(text: "hi")
        #expect(try socket.nextText() == "v2:hi")
    }

    @Test func theManifestMayNameTheHandlerFile() throws {
        let server = try ServerProcess()
        let files = [
            ArchiveFixtures.file("fazt.json", #"{"realtime": {"handler": "sockets/chat.js"}}"#),
            ArchiveFixtures.file("sockets/chat.js", "exports.message = (ws, data) => ws.send('chat:' + data);"),
            ArchiveFixtures.file("api/_socket.js", "exports.message = (ws, data) => ws.send('default:' + data);"),
        ]
        #expect(try server.deploy("named", try ArchiveFixtures.zip(files)).status == 201)
        let socket = try server.openSocket("named")
        try socket.send(text: "hi")
        #expect(try socket.nextText() == "chat:hi")
    }

    // MARK: fazt.socket from HTTP handlers

    @Test func broadcastFromAnHTTPHandlerReachesSubscribedSockets() throws {
        let server = try Self.server()
        let joined = try server.openSocket("live")
        _ = try joined.helloID()
        try joined.send(text: "join news")
        #expect(try joined.nextJSON()["type"] as? String == "subscribed")
        let direct = try server.openSocket("live")
        _ = try direct.helloID()
        try direct.send(text: #"{"type":"subscribe","channel":"news"}"#)
        #expect(try direct.nextJSON()["type"] as? String == "subscribed")
        let count = try server.app("live", "/api?op=count&channel=news").json
        #expect(count["count"] as? Int == 2)
        #expect(count["all"] as? Int == 2)

        let offset = try server.app("live", "/api?op=broadcast&channel=news&n=5").json["offset"] as? Int
        #expect((offset ?? 0) >= 1)
        for socket in [joined, direct] {
            let message = try socket.nextJSON()
            #expect(message["type"] as? String == "message")
            #expect(message["channel"] as? String == "news")
            #expect((message["data"] as? [String: Any])?["n"] as? Int == 5)
        }
        let tagged = try server.app("live", "/api?op=sockets&tag=room-lobby")
        #expect((tagged.jsonArray?.count ?? 0) == 2, "\(tagged.text)")
    }

    @Test func presenceAndBroadcastAllFromAnHTTPHandler() throws {
        let server = try Self.server()
        let token = try #require(server.app("live", "/api?op=token&user=ann").json["token"] as? String)
        let ann = try server.openSocket("live", query: "token=\(token)")
        _ = try ann.helloID()
        try ann.send(text: "join room-1")
        #expect(try ann.nextJSON()["type"] as? String == "subscribed")
        let other = try server.openSocket("live")
        _ = try other.helloID()

        let presence = try server.app("live", "/api?op=presence&channel=room-1")
        let members = try JSONSerialization.jsonObject(with: Data(presence.body)) as? [[String: Any]]
        #expect(members?.count == 1, "\(presence.text)")
        #expect(members?.first?["user"] as? String == "ann")
        #expect(members?.first?["connections"] as? Int == 1)

        #expect(try server.app("live", "/api?op=all").json["sent"] as? Int == 2)
        for socket in [ann, other] {
            // Ann also hears her own presence join first.
            var message = try socket.nextJSON()
            while message["type"] as? String == "join" { message = try socket.nextJSON() }
            #expect(message["to"] as? String == "everyone", "\(message)")
        }
    }

    @Test func socketSendReachesTheClient() throws {
        let server = try Self.server()
        let socket = try server.openSocket("live")
        let id = try socket.helloID()
        #expect(try server.app("live", "/api?op=send&id=\(id)&text=yo").json["sent"] as? Bool == true)
        #expect(try socket.nextText() == "direct:yo")
        #expect(try server.app("live", "/api?op=send&id=ws_0000000000000000&text=yo").json["sent"] as? Bool == false)
    }

    @Test func bytesAreSentAsABinaryMessage() throws {
        let server = try Self.server()
        let socket = try server.openSocket("live")
        _ = try socket.helloID()
        try socket.send(text: "bin")
        var frame = try socket.receive()
        while frame.opcode == WebSocketTestClient.Opcode.ping { frame = try socket.receive() }
        #expect(frame.opcode == WebSocketTestClient.Opcode.binary)
        #expect(frame.payload == [1, 2, 255])
    }

    @Test func aTokenFromTheAppOpensATokenGatedChannel() throws {
        let server = try Self.server()
        let anonymous = try server.openSocket("live")
        _ = try anonymous.helloID()
        try anonymous.send(text: #"{"type":"subscribe","channel":"private-ann"}"#)
        let refused = try anonymous.nextJSON()
        #expect(refused["type"] as? String == "error")
        #expect(refused["code"] as? String == "unauthorized")

        let token = try #require(server.app("live", "/api?op=token&user=ann").json["token"] as? String)
        let socket = try server.openSocket("live", query: "token=\(token)")
        #expect(try socket.nextJSON()["user"] as? String == "ann")
        try socket.send(text: #"{"type":"subscribe","channel":"private-ann"}"#)
        #expect(try socket.nextJSON()["type"] as? String == "subscribed")
    }

    @Test func anAppCannotReachAnotherAppsSockets() throws {
        let server = try Self.server()
        let other = try server.deploy(
            "other",
            try ArchiveFixtures.zip([ArchiveFixtures.file("api/main.js", Self.http)])
        )
        #expect(other.status == 201)
        let socket = try server.openSocket("live")
        let id = try socket.helloID()
        try socket.send(text: "join news")
        #expect(try socket.nextJSON()["type"] as? String == "subscribed")

        #expect(try server.app("other", "/api?op=send&id=\(id)&text=hack").json["sent"] as? Bool == false)
        #expect(try server.app("other", "/api?op=kick&id=\(id)").json["kicked"] as? Bool == false)
        #expect(try server.app("other", "/api?op=count").json["all"] as? Int == 0)
        _ = try server.app("other", "/api?op=broadcast&channel=news&n=9")
        // The socket saw none of it and is still open.
        try socket.send(text: "still mine")
        #expect(try socket.nextText() == "echo:still mine")
    }
}

// MARK: Helpers

extension ServerProcess {
    /// Opens a WebSocket to `app`'s `/_ws`.
    fileprivate func openSocket(_ app: String, query: String = "") throws -> WebSocketTestClient {
        try WebSocketTestClient.connect(
            port: port,
            host: "\(app).localhost:\(port)",
            path: query.isEmpty ? "/_ws" : "/_ws?\(query)"
        )
    }

    /// What the test app's close handler stored for socket `id`, once it ran (bounded wait).
    fileprivate func waitForClose(_ app: String, _ id: String) throws -> [String: Any] {
        for _ in 0..<500 {
            if let close = try self.app(app, "/api?op=close&id=\(id)").json["close"] as? [String: Any] {
                return close
            }
            usleep(20_000)
        }
        throw TestError("the close handler never ran for \(id)")
    }

    /// Fails unless the close handler ran exactly once for `id`, still after a moment.
    fileprivate func expectOneClose(_ app: String, _ id: String) throws {
        usleep(300_000)
        let closes = try self.app(app, "/api?op=close&id=\(id)").json["closes"] as? Int
        #expect(closes == 1, "close ran \(closes.map(String.init) ?? "no") times for \(id)")
    }

    /// Waits (bounded) until the worker processes satisfy `condition`.
    fileprivate func waitForWorkers(_ condition: ([Int32]) -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition(childProcesses) { return true }
            usleep(20_000)
        }
        return condition(childProcesses)
    }
}

extension WebSocketTestClient {
    /// The id from the test handler's `open` greeting.
    fileprivate func helloID() throws -> String {
        let hello = try nextJSON()
        guard let id = hello["hello"] as? String else { throw TestError("no greeting: \(hello)") }
        return id
    }

    /// The next text message.
    fileprivate func nextText() throws -> String {
        let message = try receiveMessage()
        guard message.opcode == Opcode.text else { throw TestError("a binary message, not text") }
        return String(decoding: message.payload, as: UTF8.self)
    }

    /// The next text message as a JSON object.
    fileprivate func nextJSON() throws -> [String: Any] {
        let text = try nextText()
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestError("not a JSON object: \(text)")
        }
        return object
    }
}

extension TestResponse {
    fileprivate var jsonArray: [Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [Any] }
}

import Foundation
import Testing

@testable import FaztRuntime

/// `fazt.socket`, `fazt.realtime` and socket handler events, with the daemon replaced by a
/// recorder (part of the serialized `PreludeTests` suite: one JavaScript context at a time).
extension PreludeTests {
    func socketEvent(
        _ source: String,
        _ payload: [String: Any],
        bytes: [UInt8]? = nil,
        storage: StorageRecorder = StorageRecorder()
    ) throws -> PreludeHarness.Answer {
        var request = payload
        request["__fazt"] = "socket"
        if request["socket"] == nil {
            request["socket"] = ["id": "ws_1", "tags": ["a"], "attachment": ["n": 1], "user": "ann"]
        }
        return try PreludeHarness.invoke(
            files: ["api/_socket.js": source],
            file: "api/_socket.js",
            request: request,
            bytes: bytes,
            storage: storage
        )
    }

    static var handshake: [String: Any] {
        [
            "method": "GET", "path": "/_ws", "url": "http://chat.localhost/_ws?room=1", "query": ["room": "1"],
            "headers": ["origin": "http://chat.localhost"], "ip": "127.0.0.1",
        ]
    }

    @Test func socketOpenSeesTheSocketAndTheHandshake() throws {
        let storage = StorageRecorder()
        let answer = try socketEvent(
            "exports.open = (ws, req) => { ws.send([ws.id, ws.user, ws.tags, ws.attachment, req.query.room, req.path]); };",
            ["event": "open", "request": Self.handshake],
            storage: storage
        )
        #expect(answer.text == "true")
        #expect(storage.calls.first?.args == ["ws_1", #"["ws_1","ann",["a"],{"n":1},"1","/_ws"]"#])
    }

    @Test func socketOpenRefusesWithFalse() throws {
        let answer = try socketEvent(
            "exports.open = (ws, req) => req.query.room !== '1' ? true : false;",
            ["event": "open", "request": Self.handshake]
        )
        #expect(answer.text == "false")
    }

    @Test func socketMessageGetsTextOrBytes() throws {
        let source =
            "exports.message = (ws, data) => { ws.send(typeof data === 'string' ? data : [data.constructor.name, data.length, data[1]]); };"
        let storage = StorageRecorder()
        _ = try socketEvent(source, ["event": "message", "data": "hi", "binary": false], storage: storage)
        _ = try socketEvent(source, ["event": "message", "binary": true], bytes: [7, 8, 9], storage: storage)
        #expect(storage.calls.map(\.op) == ["socket.send", "socket.send"])
        #expect(storage.calls.map(\.args) == [["ws_1", "hi"], ["ws_1", #"["Uint8Array",3,8]"#]])
    }

    @Test func socketCloseGetsCodeAndReason() throws {
        let storage = StorageRecorder()
        _ = try socketEvent(
            "exports.close = (ws, code, reason) => { fazt.socket.broadcast('room', {left: ws.id, code, reason}); };",
            ["event": "close", "code": 1001, "reason": "bye"],
            storage: storage
        )
        #expect(storage.calls.first?.op == "socket.broadcast")
        #expect(storage.calls.first?.args == ["room", #"{"left":"ws_1","code":1001,"reason":"bye"}"#, ""])
    }

    @Test func socketMethodsCallTheDaemonWithTheSocketID() throws {
        let storage = StorageRecorder()
        let answer = try socketEvent(
            """
            exports.message = (ws) => {
              ws.setAttachment({ user: 'ann', n: 2 });
              ws.setTags(['x', 'y']);
              ws.subscribe('room-1');
              ws.unsubscribe('room-2');
              ws.close(4000, 'done');
              fazt.socket.broadcast('room-1', 'hello', { except: ws });
              ws.send([ws.attachment, ws.tags, JSON.stringify(ws)]);
            };
            """,
            ["event": "message", "data": "x"],
            storage: storage
        )
        #expect(answer.text == "null")
        #expect(
            storage.calls.map { [$0.op] + $0.args } == [
                ["socket.attach", "ws_1", #"{"user":"ann","n":2}"#],
                ["socket.tags", "ws_1", #"["x","y"]"#],
                ["socket.subscribe", "ws_1", "room-1"],
                ["socket.unsubscribe", "ws_1", "room-2"],
                ["socket.close", "ws_1", "4000", "done"],
                ["socket.broadcast", "room-1", #""hello""#, "ws_1"],
                [
                    "socket.send", "ws_1",
                    #"[{"user":"ann","n":2},["x","y"],"{\"id\":\"ws_1\",\"user\":\"ann\",\"tags\":[\"x\",\"y\"],\"attachment\":{\"user\":\"ann\",\"n\":2}}"]"#,
                ],
            ]
        )
    }

    @Test func socketFileWithoutEventsIsABadHandler() throws {
        #expect {
            try socketEvent("exports.GET = () => 1;", ["event": "message", "data": "x"])
        } throws: { error in
            guard case .exception(let message, _) = error as? PreludeHarness.Failure else { return false }
            return message.contains("exports none of open(ws, req)")
        }
    }

    @Test func faztSocketAndRealtimeCalls() throws {
        let storage = StorageRecorder { op, _ in
            switch op {
            case "socket.broadcast": return "7"
            case "socket.count", "socket.sendAll": return "3"
            case "socket.sockets": return #"[{"id":"ws_1","tags":[],"attachment":null,"user":null}]"#
            case "socket.token": return #""v1.a.b""#
            default: return "true"
            }
        }
        let answer = try PreludeHarness.invoke(
            files: [
                "api/main.js": """
                module.exports = () => [
                  fazt.socket.broadcast('news', { a: 1 }),
                  fazt.socket.send('ws_2', { b: 2 }),
                  fazt.socket.sockets({ channel: 'news', tag: 't' }).length,
                  fazt.socket.count(),
                  fazt.socket.count('news'),
                  fazt.socket.kick('ws_2', 'spam'),
                  fazt.socket.token({ user: 'u1', channels: ['private-*'], ttl: 60 }),
                  fazt.realtime.broadcastAll('ping'),
                  fazt.realtime.subscribers('news'),
                ];
                """
            ],
            file: "api/main.js",
            request: [:],
            storage: storage
        )
        #expect(answer.text == #"[7,true,1,3,3,true,"v1.a.b",3,3]"#)
        #expect(
            storage.calls.map { [$0.op] + $0.args } == [
                ["socket.broadcast", "news", #"{"a":1}"#, ""],
                ["socket.send", "ws_2", #"{"b":2}"#],
                ["socket.sockets", #"{"channel":"news","tag":"t"}"#],
                ["socket.count", ""],
                ["socket.count", "news"],
                ["socket.kick", "ws_2", "spam"],
                ["socket.token", #"{"user":"u1","channels":["private-*"],"ttl":60}"#],
                ["socket.sendAll", "ping"],
                ["socket.count", "news"],
            ]
        )
    }

    @Test func faztSocketSendsBytesAndRefusesBadIDs() throws {
        let answer = try PreludeHarness.invoke(
            files: [
                "api/main.js": """
                module.exports = () => {
                  const codes = [];
                  for (const f of [() => fazt.socket.send('ws_1', new Uint8Array(2)), () => fazt.socket.send('', 'x'),
                                   () => fazt.socket.broadcast('', 1), () => fazt.socket.token('x')]) {
                    try { f(); codes.push('ok'); } catch (e) { codes.push(e.code); }
                  }
                  return codes;
                };
                """
            ],
            file: "api/main.js",
            request: [:],
            storage: StorageRecorder()
        )
        // Bytes are a binary message (socket.sendBinary); empty ids and channels are refused.
        #expect(answer.text == #"["ok","INVALID_ARGUMENT","INVALID_ARGUMENT","INVALID_ARGUMENT"]"#)
    }
}

import FaztTestSupport
import Foundation
import Testing

/// Connection tokens from app JavaScript, and presence.
extension RealtimeTests {
    /// `api/token.js`: a connection token for `?user=` on the channels of `?channels=` (default `private-*`).
    static let tokenHandler = js(
        "api/token.js",
        """
        module.exports = (req) => ({
          token: fazt.socket.token({
            user: req.query.user,
            channels: (req.query.channels || 'private-*').split(','),
            ttl: 60,
          }),
        });
        """
    )

    static func token(_ server: ServerProcess, _ app: String, user: String, channels: String? = nil) throws -> String {
        var path = "/api/token?user=\(user)"
        if let channels { path += "&channels=\(channels)" }
        let response = try server.app(app, path)
        guard let token = response.json["token"] as? String, !token.isEmpty else {
            throw TestError("no token from \(app)\(path): \(response.status) \(response.text)")
        }
        return token
    }

    @Test func privateChannelsNeedATokenThatNamesThem() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp(
            "vault",
            manifest: #"{"realtime": {"channels": {"private-*": {"auth": "token"}}}}"#,
            files: [Self.tokenHandler]
        )
        let token = try Self.token(server, "vault", user: "ana")
        let elsewhere = try Self.token(server, "vault", user: "ana", channels: "other-*")
        #expect(token != elsewhere)

        let client = try server.socket("vault")
        let anonymous = try client.subscribe("private-1")
        #expect(anonymous["type"] as? String == "error", "no token: \(anonymous)")
        let wrong = try client.subscribe("private-1", token: elsewhere)
        #expect(wrong["type"] as? String == "error", "a token for other channels: \(wrong)")
        let forged = try client.subscribe("private-1", token: token + "x")
        #expect(forged["type"] as? String == "error", "a tampered token: \(forged)")
        try client.mustSubscribe("private-1", token: token)
        // A public channel needs no token.
        try client.mustSubscribe("lobby")

        // The token may come with the handshake instead.
        let query = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token
        let preauthorized = try server.socket("vault", path: "/_ws?token=\(query)")
        try preauthorized.mustSubscribe("private-2")

        // A token is the app's own: another app's token is refused.
        try server.deployRealtimeApp(
            "other",
            manifest: #"{"realtime": {"channels": {"private-*": {"auth": "token"}}}}"#,
            files: [Self.tokenHandler]
        )
        let foreign = try Self.token(server, "other", user: "ana")
        let reply = try server.socket("vault").subscribe("private-1", token: foreign)
        #expect(reply["type"] as? String == "error", "another app's token: \(reply)")
    }

    @Test func presenceCountsAUserOnceAcrossConnections() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp(
            "room",
            manifest: #"{"realtime": {"channels": {"room-*": {"presence": true, "auth": "token"}}}}"#,
            files: [Self.tokenHandler]
        )
        let watcherToken = try Self.token(server, "room", user: "watcher", channels: "room-*")
        let anaToken = try Self.token(server, "room", user: "ana", channels: "room-*")
        let watcher = try server.socket("room")
        try watcher.mustSubscribe("room-1", token: watcherToken)

        let tabs = try (0..<3).map { _ in
            let tab = try server.socket("room")
            try tab.mustSubscribe("room-1", token: anaToken)
            return tab
        }
        try watcher.send(json: ["type": "presence", "channel": "room-1"])
        var seen: [[String: Any]] = []
        while seen.last?["type"] as? String != "presence" {
            seen.append(try watcher.reply(among: ["join", "leave", "presence"], waitingFor: "the presence reply"))
        }
        let joins = seen.filter { $0["type"] as? String == "join" && $0["user"] as? String == "ana" }
        #expect(joins.count == 1, "one join for three connections of one user: \(seen)")
        #expect(joins.first?["channel"] as? String == "room-1" && joins.first?["id"] != nil)
        let presence = try #require(seen.last)
        let clients = presence["clients"] as? [[String: Any]] ?? []
        let ana = clients.filter { $0["user"] as? String == "ana" }
        #expect(ana.count == 1 && int(ana.first?["connections"]) == 3, "\(presence)")
        #expect(ana.first?["id"] != nil && int(presence["count"]) == clients.count, "\(presence)")

        // Leaving: one close frame, one close handshake, one lost connection; one leave at the last.
        try tabs[0].sendClose()
        _ = try tabs[0].expectClose()
        try tabs[1].sendClose(code: 1001, reason: "tab closed")
        _ = try tabs[1].expectClose()
        tabs[2].closeAbruptly()
        let leave = try watcher.reply(among: ["leave", "join"], waitingFor: "ana leaving")
        #expect(leave["type"] as? String == "leave" && leave["user"] as? String == "ana", "\(leave)")
        try watcher.send(json: ["type": "presence", "channel": "room-1"])
        var after: [[String: Any]] = []
        while after.last?["type"] as? String != "presence" {
            after.append(try watcher.reply(among: ["join", "leave", "presence"], waitingFor: "the presence reply"))
        }
        #expect(after.count == 1, "no second leave: \(after)")
        let remaining = (after.last?["clients"] as? [[String: Any]] ?? []).compactMap { $0["user"] as? String }
        #expect(!remaining.contains("ana"), "\(after)")
    }
}

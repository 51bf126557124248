import FaztTestSupport
import Foundation
import Testing

/// The realtime protocol's client messages, for the end-to-end tests.
extension WebSocketTestClient {
    /// Sends `subscribe` and returns the reply: `subscribed` or `error` (other messages are skipped).
    func subscribe(_ channel: String, since: [String: Any]? = nil, token: String? = nil) throws -> [String: Any] {
        var message: [String: Any] = ["type": "subscribe", "channel": channel]
        if let since { message["since"] = since }
        if let token { message["token"] = token }
        try send(json: message)
        return try reply(among: ["subscribed", "error"], waitingFor: "the reply to subscribing to \(channel)")
    }

    /// Subscribes and fails the test unless the reply is `subscribed` for `channel`.
    @discardableResult
    func mustSubscribe(
        _ channel: String,
        since: [String: Any]? = nil,
        token: String? = nil
    ) throws -> [String: Any] {
        let reply = try subscribe(channel, since: since, token: token)
        guard reply["type"] as? String == "subscribed", reply["channel"] as? String == channel else {
            throw TestError("subscribing to \(channel) got \(Self.describe(reply))")
        }
        return reply
    }

    /// Sends a client `publish`.
    func publish(_ channel: String, data: Any) throws {
        try send(json: ["type": "publish", "channel": channel, "data": data])
    }

    /// The next message whose type is one of `types` (pings and other types skipped).
    func reply(among types: Set<String>, waitingFor what: String) throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var skipped: [String] = []
        while true {
            let left = deadline - .now
            guard left > .zero, let object = try receiveJSONIfAny(timeout: left) else {
                throw TestError("no \(types.sorted()) while waiting for \(what); skipped \(skipped.suffix(10))")
            }
            if let type = object["type"] as? String, types.contains(type) { return object }
            skipped.append(Self.describe(object))
        }
    }

    /// The next `message` on `channel` (other messages skipped).
    func nextMessage(on channel: String) throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = deadline - .now
            let message = try receiveJSON(type: "message", timeout: left > .zero ? left : .milliseconds(1))
            if message["channel"] as? String == channel { return message }
        }
    }
}

extension ServerProcess {
    /// Deploys an app of one page, `manifest` as its `fazt.json`, and `files`; fails unless it is created.
    func deployRealtimeApp(
        _ app: String,
        manifest: String,
        files: [ArchiveFixtures.Entry] = []
    ) throws {
        let entries = [ArchiveFixtures.file("fazt.json", manifest), ArchiveFixtures.file("index.html", "<p>live</p>")]
        let response = try deploy(app, try ArchiveFixtures.zip(entries + files))
        guard response.status == 201 else { throw TestError("deploying \(app): \(response.status) \(response.text)") }
    }

    /// Publishes `data` through the control API and returns the assigned offset.
    func mustPublish(_ app: String, _ channel: String, json: String) throws -> Int {
        let response = try publish(app, channel, json: json)
        guard (200..<300).contains(response.status), let offset = response.json["offset"] as? Int else {
            throw TestError("publishing to \(app)/\(channel): \(response.status) \(response.text)")
        }
        return offset
    }
}

/// The refusal of a handshake that must be refused; records an issue and returns nil when the
/// handshake succeeds or fails otherwise.
func refusal(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ open: () throws -> WebSocketTestClient
) -> WebSocketTestClient.HandshakeRefused? {
    do {
        let client = try open()
        client.closeAbruptly()
        Issue.record("the handshake was accepted", sourceLocation: sourceLocation)
    } catch let refused as WebSocketTestClient.HandshakeRefused {
        return refused
    } catch {
        Issue.record("the handshake failed without an HTTP answer: \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// An integer of a JSON value.
func int(_ value: Any?) -> Int? { value as? Int }

/// Whether a JSON value is a number.
func isNumber(_ value: Any?) -> Bool { value is Int || value is Double || value is NSNumber }

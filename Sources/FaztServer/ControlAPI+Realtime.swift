import FaztAPI
import FaztJSON
import FaztRealtime
import FaztVFS
import Foundation
import NIOHTTP1

/// `/apps/{name}/channels/{channel}/messages` (publish from outside JavaScript) and
/// `/apps/{name}/channels/{channel}` (subscribers and presence).
extension ControlAPI {
    func realtimeRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count >= 3, segments[0] == "apps", segments[2] == "channels" else { return nil }
        if segments.count == 3 {
            guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
            return try await realtimeOverview(segments[1])
        }
        let channel = segments[3].removingPercentEncoding ?? segments[3]
        guard ChannelPattern.isValidChannelName(channel) else {
            throw APIError.badRequest("channel names are 1-255 printable ASCII characters without '*' (got \(channel))")
        }
        let (app, manifest) = try await liveManifest(segments[1])
        let hub = services.realtime.hub
        switch (request.method, segments.count) {
        case (.POST, 5) where segments[4] == "messages":
            let bytes = Array(request.body.readableBytesView)
            guard bytes.count <= hub.limits.maxMessageBytes else {
                throw APIError.badRequest("the message is larger than \(hub.limits.maxMessageBytes) bytes")
            }
            let data: JSONValue
            do {
                data = try JSONValue.decode(bytes)
            } catch {
                throw APIError.badRequest("the body must be the message as JSON: \(error)")
            }
            let offset = hub.publish(
                app: app,
                channel: channel,
                data: data.text,
                rule: manifest.realtime.rule(for: channel),
                now: RealtimeServices.nowMs()
            )
            return .json(PublishedBody(app: app, channel: channel, offset: offset), status: .created)
        case (.GET, 4):
            return .json(
                ChannelBody(
                    app: app,
                    channel: channel,
                    subscribers: hub.count(app: app, channel: channel),
                    presence: hub.presence(app: app, channel: channel).map {
                        ChannelBody.Member(id: $0.identity, user: $0.user, connections: $0.connections)
                    }
                )
            )
        default:
            return nil
        }
    }

    /// `GET /apps/{name}/channels` → `{"app","channels":[{name,subscribers,present,offset}],
    /// "sockets":[{id,user,tags,channels}]}`: what is connected to the app right now.
    private func realtimeOverview(_ name: String) async throws -> Response {
        let (app, _) = try await liveManifest(name)
        let hub = services.realtime.hub
        let channels = hub.channels(app: app).map {
            RealtimeOverview.Channel(name: $0.name, subscribers: $0.subscribers, present: $0.present, offset: $0.offset)
        }
        let sockets = hub.sockets(app: app).map {
            RealtimeOverview.Socket(id: $0.id, user: $0.user, tags: $0.tags, channels: $0.channels)
        }
        return .json(RealtimeOverview(app: app, channels: channels, sockets: sockets))
    }

    /// The app's canonical name and live manifest; 404 for unknown apps.
    func liveManifest(_ name: String) async throws -> (String, Manifest) {
        let catalog = services.catalog
        if case .live(let served) = catalog.lookup(name.lowercased()) {
            return (served.snapshot.app, served.snapshot.manifest)
        }
        let served = try await blocking { try catalog.load(name.lowercased()) }
        guard let served else { throw VFSError(.notFound, "app \(name) not found") }
        return (served.snapshot.app, served.snapshot.manifest)
    }
}

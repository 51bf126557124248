import FaztAPI
import FaztKernel
import FaztNet
import FaztStorage
import NIOHTTP1

/// `/notifications` (the owner's inbox, `?follow=1` for live server-sent events) and
/// `/notify/channels` (where notifications go).
extension ControlAPI {
    func notifyRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        let notifier = services.notifier
        let query = request.query
        switch (request.method, segments.first, segments.count) {
        case (.GET, "notifications", 1):
            let after = query["after"].flatMap { Int64($0) }
            if query["follow"] == "1" || query["follow"] == "true" {
                var response = Response(status: .ok)
                response.follow = .notifications(after: after)
                return response
            }
            let limit = try request.limit(default: 50, maximum: 1000)
            // An unknown app is a 404 like on every app route (a typo must not look like an empty inbox).
            let app: String?
            if let name = query["app"] {
                app = try await blocking { [vfs = services.vfs] in try vfs.info(app: name).name }
            } else {
                app = nil
            }
            return .json(
                NotificationList(
                    notifications: try await blocking { try notifier.list(after: after, limit: limit, app: app) }.map(
                        NotificationBody.init
                    )
                )
            )
        case (.GET, "notify", 2) where segments[1] == "channels":
            return .json(ChannelList(channels: try await blocking { try notifier.channels() }))
        case (.POST, "notify", 2) where segments[1] == "channels":
            let channel = try request.decodeJSON(NotificationChannel.self)
            try await blocking { try notifier.addChannel(channel) }
            return .json(
                ChannelInfo(name: channel.name, type: channel.type, createdAt: StorageExecutor.wallClock()),
                status: .created
            )
        case (.DELETE, "notify", 3) where segments[1] == "channels":
            let name = segments[2]
            guard try await blocking({ try notifier.removeChannel(name) }) else {
                throw APIError.notFound("no channel named '\(name)'")
            }
            return .json(["removed": name])
        case (.POST, "notify", 4) where segments[1] == "channels" && segments[3] == "test":
            // Delivered at once (not queued), so the owner sees the channel's own error.
            let name = segments[2]
            let result: String? = try await blocking {
                guard let channel = try notifier.channel(named: name) else {
                    throw APIError.notFound("no channel named '\(name)'")
                }
                let message = NotificationMessage(
                    id: 0,
                    app: "fazt",
                    title: "Test notification from fazt",
                    body: "If you can read this, channel \(name) works.",
                    url: nil,
                    priority: "normal",
                    tags: ["test"],
                    createdAt: StorageExecutor.wallClock()
                )
                do {
                    try channel.deliver(message)
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            if let result { throw APIError(status: .badGateway, code: "delivery_failed", message: result) }
            return .json(["delivered": name])
        case (_, "notifications", _), (_, "notify", _):
            throw APIError.methodNotAllowed(request.method)
        default:
            return nil
        }
    }
}

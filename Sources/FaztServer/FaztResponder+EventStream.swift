import FaztKernel
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// Streams new entries as server-sent events until the client goes away.
    ///
    /// The connection is dedicated to the stream and closes with it. New entries are polled off
    /// the event loop.
    func eventStream(following target: FollowTarget) -> Reply {
        let read: @Sendable (Int64?) throws -> (text: String, last: Int64?)
        let label: String
        let after: Int64?
        switch target {
        case .logs(let app, let start):
            let logs = services.logs
            label = app
            after = start
            read = { since in
                let entries = try logs.read(app: app, after: since, limit: since == nil ? 100 : 500)
                var text = ""
                for entry in entries {
                    var json = JSONText()
                    json.raw("{\"id\":\(entry.id),\"at\":\(entry.at),\"level\":")
                    json.string(entry.level)
                    json.raw(",\"message\":")
                    json.string(entry.message)
                    json.raw("}")
                    text += "id: \(entry.id)\nevent: log\ndata: \(json.text)\n\n"
                }
                return (text, entries.last?.id)
            }
        case .notifications(let start):
            let inbox = services.notifier
            label = "notifications"
            after = start
            read = { since in
                let items = try inbox.list(after: since, limit: since == nil ? 20 : 500)
                let text = items.map { "id: \($0.id)\nevent: notification\ndata: \(Notifier.json($0))\n\n" }.joined()
                return (text, items.last?.id)
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-store")
        var head = Response(status: .ok, headers: headers, body: ByteBuffer(string: ": following \(label)\n\n"))
        head.omitsLength = true
        return .stream(head, StreamFollower(after: after, pool: services.threadPool, read: read))
    }
}

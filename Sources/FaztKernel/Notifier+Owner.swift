import FaztNet
import FaztStore

extension Notifier {
    /// The app name notifications from the daemon itself are filed under (no app can be named so:
    /// app names are lower-case).
    public static let systemSource = "Fazt"

    /// Sends the owner a notification from the daemon itself (a broken OAuth connection, …):
    /// it lands in the inbox and goes to every channel, like `fazt.notify` (blocking).
    public func notifyOwner(title: String, body: String, tags: [String] = []) throws {
        let item = NotificationMessage(
            id: 0,
            app: Self.systemSource,
            title: String(title.prefix(256)),
            body: String(body.prefix(4096)),
            url: nil,
            priority: "high",
            tags: tags,
            channel: nil,
            createdAt: scheduler.clock()
        )
        let retries = self.retries
        let recorded = try store.writeBlocking { try Self.record($0, item, retries: retries) }
        for job in recorded.jobs {
            scheduler.noteScheduled(id: job, app: item.app, runAt: item.createdAt)
        }
    }
}

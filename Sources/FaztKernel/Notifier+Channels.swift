import FaztAPI
import FaztNet
import FaztStore
import FaztVFS
import Foundation

extension Notifier {
    /// Adds or replaces a channel; its settings are sealed with the secret key.
    public func addChannel(_ channel: NotificationChannel) throws {
        guard Manifest.isWebhookName(channel.name) else {
            throw KernelError(
                .invalidArgument,
                "a channel name is 1-64 letters, digits, '_' or '-'"
            )
        }
        if let problem = channel.problem() { throw KernelError(.invalidArgument, problem) }
        let sealed = try box.seal(Array(try JSONEncoder().encode(channel)), context: "channel\u{0}\(channel.name)")
        let now = scheduler.clock()
        _ = try store.writeBlocking { connection in
            try connection.run(
                """
                INSERT INTO channels (name, type, config, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET type = excluded.type, config = excluded.config
                """,
                [.text(channel.name), .text(channel.type), .blob(sealed), .integer(now)]
            )
        }
    }

    /// Removes a channel; false when there is none of that name.
    public func removeChannel(_ name: String) throws -> Bool {
        try store.writeBlocking { try $0.run("DELETE FROM channels WHERE name = ?", [.text(name)]) > 0 }
    }

    /// Names and types only: settings hold tokens and are never shown again.
    public func channels() throws -> [ChannelInfo] {
        try store.read { connection in
            try connection.query("SELECT name, type, created_at FROM channels ORDER BY name") {
                ChannelInfo(name: $0.string(0), type: $0.string(1), createdAt: $0.int64(2))
            }
        }
    }

    /// The channel named `name` with its settings opened, or nil when there is none.
    public func channel(named name: String) throws -> NotificationChannel? {
        guard
            let sealed = try store.read({
                try $0.queryOne("SELECT config FROM channels WHERE name = ?", [.text(name)]) { $0.bytes(0) }
            })
        else { return nil }
        return try JSONDecoder().decode(
            NotificationChannel.self,
            from: Data(try box.open(sealed, context: "channel\u{0}\(name)"))
        )
    }
}

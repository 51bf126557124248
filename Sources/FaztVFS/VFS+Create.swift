import FaztStore

extension VFS {
    /// Creates `app` with no version yet (drafts can then be written to it); false when it exists.
    public func createApp(_ rawName: String) throws -> Bool {
        let app = try AppName.validate(rawName)
        let now = Self.now()
        return try store.writeBlocking { connection in
            try connection.run(
                "INSERT OR IGNORE INTO apps (name, live_version, created_at, updated_at) VALUES (?, NULL, ?, ?)",
                [.text(app), .integer(now), .integer(now)]
            ) > 0
        }
    }
}

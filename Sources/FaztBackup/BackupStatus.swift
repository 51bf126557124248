import FaztStore
import Foundation

/// The last backup's outcome, kept in the `settings` table (key `backup.status`) so it survives
/// restarts; read by `fazt backup list`, the owner page and `/metrics` (backup age, last result).
public struct BackupStatus: Codable, Sendable, Equatable {
    /// When the last attempt ended (milliseconds since 1970); nil before the first.
    public var lastAt: Int64?
    /// Whether the last attempt succeeded.
    public var lastOK: Bool?
    /// Why the last attempt failed.
    public var lastError: String?
    /// When the last successful backup was taken.
    public var lastSuccessAt: Int64?
    /// The last successful backup's name, size, duration and target.
    public var lastName: String?
    public var lastBytes: Int64?
    public var lastDurationMs: Int64?
    public var lastTarget: String?

    public init() {}

    static let settingsKey = "backup.status"

    /// Seconds since the last successful backup at `now` (ms); nil when there was none (the
    /// `fazt_backup_age_seconds` gauge).
    public func ageSeconds(now: Int64) -> Double? {
        lastSuccessAt.map { Double(max(0, now - $0)) / 1000 }
    }

    /// The stored status (empty when no backup ran yet); blocking.
    public static func load(_ store: Store) throws -> BackupStatus {
        let text = try store.read { connection in
            try connection.queryOne("SELECT value FROM settings WHERE key = ?", [.text(settingsKey)]) { $0.string(0) }
        }
        guard let text, let status = try? JSONDecoder().decode(BackupStatus.self, from: Data(text.utf8)) else {
            return BackupStatus()
        }
        return status
    }

    /// Stores `self`; blocking.
    func save(_ store: Store) throws {
        let text = String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
        _ = try store.writeBlocking { connection in
            try connection.run(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(Self.settingsKey), .text(text)]
            )
        }
    }
}

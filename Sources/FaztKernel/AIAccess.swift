import FaztJSON
import FaztStore

/// Whether an app may call models.
///
/// Its live manifest must ask for `"permissions": ["ai"]` and the owner must have run
/// `fazt grant APP ai`: both are needed, so neither a deploy nor a grant alone opens it.
public enum AIAccess {
    /// The permission string, in the manifest and in the `grants` table.
    public static let permission = "ai"

    /// True when `app` asks for and was granted `ai` (blocking read).
    public static func isPermitted(_ store: Store, app: String) throws -> Bool {
        try store.read { try isPermitted($0, app: app) }
    }

    /// `isPermitted` inside the caller's connection.
    public static func isPermitted(_ connection: Connection, app: String) throws -> Bool {
        let manifest =
            try connection.queryOne(
                "SELECT v.manifest FROM apps a JOIN versions v ON v.app = a.name AND v.n = a.live_version WHERE a.name = ?",
                [.text(app)]
            ) { $0.optionalString(0) } ?? nil
        guard asks(manifest: manifest) else { return false }
        return try connection.queryOne(
            "SELECT 1 FROM grants WHERE app = ? AND permission = ?",
            [.text(app), .text(permission)],
            { _ in true }
        ) ?? false
    }

    /// Whether a manifest's `permissions` list contains `ai`.
    public static func asks(manifest: String?) -> Bool {
        guard let manifest, let root = try? JSONValue.decode(Array(manifest.utf8)),
            case .array(let items)? = root["permissions"]
        else { return false }
        return items.contains { $0.stringValue == permission }
    }
}

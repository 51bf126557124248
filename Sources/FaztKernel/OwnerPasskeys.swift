import FaztStore
import Foundation

/// The owner's passkeys, as JSON in the `settings` row `owner.passkeys` (a handful at most).
public struct OwnerPasskeys: Sendable {
    static let settingsKey = "owner.passkeys"
    /// More are refused: a list this long is a mistake.
    public static let maximum = 20

    let store: Store

    public init(store: Store) { self.store = store }

    /// Every passkey, oldest first; blocking.
    public func list() throws -> [PasskeyCredential] {
        let text = try store.read { connection in
            try connection.queryOne("SELECT value FROM settings WHERE key = ?", [.text(Self.settingsKey)]) {
                $0.string(0)
            }
        }
        guard let text else { return [] }
        return (try? JSONDecoder().decode([PasskeyCredential].self, from: Data(text.utf8))) ?? []
    }

    /// Adds `credential` (refused when its id is already stored); blocking.
    public func add(_ credential: PasskeyCredential) throws {
        try update { list in
            guard !list.contains(where: { $0.id == credential.id }) else {
                throw KernelError(.invalidArgument, "that passkey is already registered")
            }
            guard list.count < Self.maximum else {
                throw KernelError(.invalidArgument, "at most \(Self.maximum) passkeys; remove one first")
            }
            list.append(credential)
        }
    }

    /// Stores the counter a sign-in reported; blocking.
    public func record(id: String, signCount: UInt32) throws {
        try update { list in
            for index in list.indices where list[index].id == id { list[index].signCount = signCount }
        }
    }

    /// Removes the passkey `id`; false when there was none; blocking.
    public func remove(id: String) throws -> Bool {
        var removed = false
        try update { list in
            let before = list.count
            list.removeAll { $0.id == id }
            removed = list.count < before
        }
        return removed
    }

    private func update(_ change: (inout [PasskeyCredential]) throws -> Void) throws {
        var list = try self.list()
        try change(&list)
        let text = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
        _ = try store.writeBlocking { connection in
            try connection.run(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [.text(Self.settingsKey), .text(text)]
            )
        }
    }
}

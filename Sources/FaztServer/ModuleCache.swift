import FaztRuntime
import FaztStore
import Foundation

/// Writes the ES modules and TypeScript files a deploy check transformed into `module_cache`,
/// keyed by source hash and transform, where workers read them at first load.
enum ModuleCache {
    static func store(_ modules: [CompiledModule], in store: Store) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let rows = modules.map { module -> [SQLiteValue] in
            let lines = (try? JSONEncoder().encode(module.lines)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            let imports =
                (try? JSONEncoder().encode(module.imports)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            return [
                .blob(module.hash), .text(CompiledModule.transformIdentity), .text(module.code), .text(lines),
                .text(imports), .integer(now),
            ]
        }
        try await store.write { connection in
            for row in rows {
                _ = try connection.run(
                    """
                    INSERT OR REPLACE INTO module_cache (hash, transform, code, lines, imports, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    row
                )
            }
        }
    }
}

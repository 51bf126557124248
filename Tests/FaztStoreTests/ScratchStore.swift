import Foundation

@testable import FaztStore

/// A store without migrations in a temporary directory of its own; `close()` removes both.
struct ScratchStore {
    let directory: URL
    let store: Store

    var path: String { directory.path + "/data.db" }

    init(_ label: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fazt-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = StoreConfiguration()
        configuration.migrations = []
        store = try Store(path: directory.path + "/data.db", configuration: configuration)
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

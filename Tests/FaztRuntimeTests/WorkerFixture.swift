import FaztStore
import FaztTestSupport
import Foundation
import Logging

@testable import FaztRuntime

/// Apps written straight into a fresh database, for tests that run real worker processes.
enum WorkerFixture {
    /// Writes app `demo` version 1 with `files` into a fresh database, as a deploy would.
    static func deploy(_ files: [String: String], to path: String) throws {
        let store = try Store(path: path)
        try store.writeBlocking { db in
            try db.execute("INSERT INTO apps (name, live_version, created_at, updated_at) VALUES ('demo', 1, 0, 0)")
            _ = try db.run(
                "INSERT INTO versions (app, n, source, files, bytes, created_at) VALUES ('demo', 1, 'test', ?, 0, 0)",
                [.integer(Int64(files.count))]
            )
            for (index, (file, source)) in files.enumerated() {
                let hash: [UInt8] = [UInt8(index + 1)]
                let size = SQLiteValue.integer(Int64(source.utf8.count))
                _ = try db.run(
                    "INSERT INTO blobs (hash, size, data, created_at) VALUES (?, ?, ?, 0)",
                    [.blob(hash), size, .blob(Array(source.utf8))]
                )
                _ = try db.run(
                    "INSERT INTO files (app, version, path, blob, size, mime) VALUES ('demo', 1, ?, ?, ?, 'text/javascript')",
                    [.text(file), .blob(hash), size]
                )
            }
        }
    }

    /// A supervisor of real workers (the built `fazt` binary) over the database at `dataPath`.
    static func supervisor(dataPath: String, ai: (any AIService)? = nil) -> Supervisor {
        var configuration = RuntimeConfiguration(executable: ServerProcess.binaryPath, dataPath: dataPath)
        configuration.ai = ai
        return Supervisor(configuration: configuration, logger: Logger(label: "test"))
    }
}

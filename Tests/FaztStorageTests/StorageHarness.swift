import FaztStorage
import FaztStore
import FaztTestSupport
import Foundation

/// A fresh `data.db` and a settable clock for storage unit tests; calls run on the writer.
final class StorageHarness: @unchecked Sendable {
    // Safe: tests drive it from one task at a time; `clock` is only read on the writer thread
    // while the test waits.
    let directory: TemporaryDirectory
    let store: Store
    var clock: Int64 = 1_700_000_000_000

    init() throws {
        directory = try TemporaryDirectory()
        var configuration = StoreConfiguration()
        configuration.syncsWAL = false
        store = try Store(path: directory.path + "/data.db", configuration: configuration)
    }

    /// Runs one storage call and returns its JSON.
    @discardableResult
    func call(_ app: String, _ op: String, _ args: String..., data: [UInt8]? = nil) throws -> String {
        try result(app, op, args, data: data).json
    }

    func result(_ app: String, _ op: String, _ args: [String], data: [UInt8]? = nil) throws -> StorageResult {
        let call = StorageCall(op: try StorageOp(named: op), app: app, args: args, data: data)
        return try store.writeBlocking { [self] connection in
            try StorageExecutor(connection: connection, now: { self.clock }).run(call)
        }
    }

    /// The error code a call fails with (nil when it succeeds).
    func failure(_ app: String, _ op: String, _ args: String...) -> String? {
        do {
            _ = try result(app, op, args)
            return nil
        } catch let error as StorageError {
            return error.code.rawValue
        } catch {
            return "other: \(error)"
        }
    }

    func message(_ app: String, _ op: String, _ args: String...) -> String {
        do {
            _ = try result(app, op, args)
            return ""
        } catch let error as StorageError {
            return error.message
        } catch {
            return "\(error)"
        }
    }
}

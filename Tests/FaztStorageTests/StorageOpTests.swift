import FaztStorage
import Testing

@Suite struct StorageOpTests {
    @Test func refusesUnknownOpsAsInvalidArgument() {
        #expect(throws: StorageError.self) { try StorageOp(named: "kv.explode") }
        do {
            _ = try StorageOp(named: "kv.explode")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("kv.explode"))
        }
    }

    @Test func everyOpRoundTripsByName() throws {
        for op in StorageOp.allCases { #expect(try StorageOp(named: op.rawValue) == op) }
    }

    @Test func classifiesWritesSingleStatementsAndGrowth() {
        let writes: Set<String> = [
            "kv.set", "kv.delete", "kv.incr", "docs.insert", "docs.insertMany", "docs.update", "docs.delete",
            "docs.createIndex", "sql.exec", "sql.batch", "blobs.put", "blobs.delete",
        ]
        let grows: Set<String> = [
            "kv.set", "kv.incr", "docs.insert", "docs.insertMany", "docs.update", "sql.exec", "sql.batch", "blobs.put",
        ]
        let single: Set<String> = ["kv.set", "kv.delete", "kv.incr", "sync"]
        for op in StorageOp.allCases {
            #expect(op.isWrite == writes.contains(op.rawValue), "\(op)")
            #expect(op.grows == grows.contains(op.rawValue), "\(op)")
            #expect(op.isSingleStatement == single.contains(op.rawValue), "\(op)")
        }
    }

    @Test func routesKernelPipelinedRemoteAndLocal() {
        #expect(StorageOp.scheduleAdd.route == .kernel)
        #expect(StorageOp.eventsEmit.route == .kernel)
        #expect(StorageOp.notify.route == .kernel)
        #expect(StorageOp.kvSet.route == .pipelined)
        #expect(StorageOp.kvDelete.route == .remote)
        #expect(StorageOp.txBegin.route == .remote)
        #expect(StorageOp.sync.route == .remote)
        #expect(StorageOp.kvGet.route == .local)
        #expect(StorageOp.sqlQuery.route == .local)
    }

    @Test func executorRefusesNonStorageOps() throws {
        let harness = try StorageHarness()
        #expect(throws: StorageError.self) { try harness.call("app", "notify") }
    }
}

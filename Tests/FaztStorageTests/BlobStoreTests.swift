import FaztStorage
import FaztStore
import Testing

@Suite struct BlobStoreTests {
    let harness: StorageHarness

    init() throws {
        harness = try StorageHarness()
    }

    @Test func putGetListDelete() throws {
        let bytes: [UInt8] = [0, 1, 2, 255]
        #expect(
            try harness.call("a", "blobs.put", "img/a.png", "image/png", "e1", data: bytes)
                == #"{"size":4,"etag":"e1"}"#
        )
        try harness.call("a", "blobs.put", "img/b.bin", "", "e2", data: [])
        try harness.call("a", "blobs.put", "doc.txt", "text/plain", "e3", data: [65])
        let got = try harness.result("a", "blobs.get", ["img/a.png"])
        #expect(got.data == bytes && got.json.contains(#""type":"image/png""#) && got.json.contains(#""size":4"#))
        #expect(try harness.result("a", "blobs.get", ["img/b.bin"]).json.contains("application/octet-stream"))
        let listed = try harness.call("a", "blobs.list", "img/")
        #expect(listed.contains("img/a.png") && listed.contains("img/b.bin") && !listed.contains("doc.txt"))
        #expect(try harness.call("b", "blobs.list", "") == "[]")
        #expect(try harness.call("b", "blobs.get", "img/a.png") == "null")
        #expect(try harness.call("a", "blobs.delete", "img/a.png") == "true")
        #expect(try harness.call("a", "blobs.get", "img/a.png") == "null")
    }

    @Test func usageCountsEveryStore() throws {
        try harness.call("a", "blobs.put", "x", "", "e", data: [UInt8](repeating: 7, count: 10_000))
        try harness.call("a", "kv.set", "k", "\"" + String(repeating: "v", count: 1000) + "\"")
        try harness.call("a", "docs.insert", "c", #"{"text":"hello"}"#)
        try harness.call("a", "sql.exec", "CREATE TABLE t (x)")
        let usage = try harness.store.read { try StorageAdmin.usage($0, app: "a") }
        #expect(usage.blobs >= 10_000 && usage.kv >= 1000 && usage.docs > 10 && usage.sql >= 4096)
        try harness.call("a", "blobs.delete", "x")
        try harness.call("a", "kv.delete", "k")
        let after = try harness.store.read { try StorageAdmin.usage($0, app: "a") }
        #expect(after.blobs == 0 && after.kv == 0)
    }
}

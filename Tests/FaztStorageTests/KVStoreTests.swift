import FaztStorage
import Testing

@Suite struct KVStoreTests {
    let harness: StorageHarness

    init() throws {
        harness = try StorageHarness()
    }

    @Test func setGetDeleteHasAnyJSON() throws {
        try harness.call("a", "kv.set", "user:1", #"{"name":"Ann","tags":[1,true,null]}"#)
        #expect(try harness.call("a", "kv.get", "user:1") == #"{"name":"Ann","tags":[1,true,null]}"#)
        #expect(try harness.call("a", "kv.has", "user:1") == "true")
        #expect(try harness.call("a", "kv.get", "missing") == "null")
        #expect(try harness.call("a", "kv.delete", "user:1") == "true")
        #expect(try harness.call("a", "kv.delete", "user:1") == "false")
        #expect(try harness.call("a", "kv.has", "user:1") == "false")
    }

    @Test func ttlWithAnInjectableClock() throws {
        try harness.call("a", "kv.set", "session", "\"x\"", "10m")
        try harness.call("a", "kv.set", "short", "1", "1500")
        harness.clock += 1499
        #expect(try harness.call("a", "kv.get", "short") == "1")
        harness.clock += 1
        #expect(try harness.call("a", "kv.get", "short") == "null", "expired keys are invisible at once")
        #expect(try harness.call("a", "kv.list", "", "10", "").contains("session"))
        #expect(!(try harness.call("a", "kv.list", "", "10", "").contains("short")))
        harness.clock += 10 * 60_000
        #expect(try harness.call("a", "kv.get", "session") == "null")
        let swept = try harness.store.writeBlocking { [clock = harness.clock] in
            try StorageAdmin.sweepExpired($0, now: clock)
        }
        #expect(swept == 2)
        #expect(harness.failure("a", "kv.set", "k", "1", "soon") == "INVALID_ARGUMENT")
    }

    @Test func incrementIsAtomicAndKeepsNumbers() throws {
        #expect(try harness.call("a", "kv.incr", "n") == "1")
        #expect(try harness.call("a", "kv.incr", "n", "41") == "42")
        #expect(try harness.call("a", "kv.incr", "n", "-0.5") == "41.5")
        try harness.call("a", "kv.set", "s", "\"text\"")
        #expect(harness.failure("a", "kv.incr", "s") == "INVALID_ARGUMENT")
    }

    @Test func limitsOnKeysAndValues() throws {
        #expect(harness.failure("a", "kv.set", String(repeating: "k", count: 1025), "1") == "TOO_LARGE")
        #expect(
            harness.failure("a", "kv.set", "big", "\"" + String(repeating: "v", count: 1 << 20) + "\"") == "TOO_LARGE"
        )
        #expect(harness.failure("a", "kv.set", "", "1") == "INVALID_ARGUMENT")
    }

    @Test func listPagesWithLiteralPrefixesAndCursors() throws {
        for key in ["a%1", "a%2", "a_3", "ab", "b", "a%3"] { try harness.call("a", "kv.set", key, "1") }
        try harness.call("other", "kv.set", "a%0", "1")
        let first = try harness.call("a", "kv.list", "a%", "2", "")
        #expect(first.contains("\"a%1\"") && first.contains("\"a%2\"") && !first.contains("a_3"))
        #expect(first.hasSuffix("\"cursor\":\"a%2\"}"))
        let second = try harness.call("a", "kv.list", "a%", "2", "a%2")
        #expect(second.contains("\"a%3\"") && second.hasSuffix("\"cursor\":null}"))
        #expect(!second.contains("a%0"), "another app's keys never appear")
        #expect(try harness.call("a", "kv.list", "a_", "10", "").contains("a_3"))
        #expect(!(try harness.call("a", "kv.list", "a_", "10", "").contains("ab")), "_ is literal")
        // A cursor from another app's key space still lists only this app's keys.
        #expect(!(try harness.call("a", "kv.list", "", "100", "a%").contains("a%0")))
    }

    @Test func appsNeverSeeEachOthersKeys() throws {
        try harness.call("a", "kv.set", "secret", "1")
        #expect(try harness.call("b", "kv.get", "secret") == "null")
        #expect(try harness.call("b", "kv.delete", "secret") == "false")
        #expect(try harness.call("b", "kv.incr", "secret") == "1")
        #expect(try harness.call("a", "kv.get", "secret") == "1")
    }
}

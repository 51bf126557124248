import FaztStorage
import FaztStore
import Testing

@Suite struct DocumentStoreTests {
    let harness: StorageHarness

    init() throws {
        harness = try StorageHarness()
        let people = [
            #"{"id":"ann","name":"Ann","age":31,"city":{"name":"Oslo"},"tags":["admin","dev"],"active":true}"#,
            #"{"id":"bob","name":"Bob","age":25,"city":{"name":"Rome"},"tags":["dev"],"active":false}"#,
            #"{"id":"cy","name":"Cy","age":"40","tags":[],"active":true}"#,
            #"{"id":"dee","name":"Dee","age":47,"city":{"name":"Oslo"},"note":null}"#,
        ]
        try harness.call("a", "docs.insertMany", "people", "[" + people.joined(separator: ",") + "]")
    }

    private func ids(_ query: String, _ options: String = "") throws -> [String] {
        let json = try harness.call("a", "docs.find", "people", query, options)
        guard case .array(let docs) = try JSONValue.parse(json) else { return [] }
        return docs.compactMap { $0["id"]?.stringValue }
    }

    @Test func insertAssignsIdsAndTimestamps() throws {
        let id = try harness.call("a", "docs.insert", "notes", #"{"text":"hi"}"#)
        #expect(id.count == 38, "a quoted UUID")
        let uuid = String(id.dropFirst().dropLast())
        let doc = try JSONValue.parse(try harness.call("a", "docs.get", "notes", uuid))
        #expect(doc["text"] == .string("hi") && doc["id"] == .string(uuid))
        #expect(doc["_createdAt"] == .number(Double(harness.clock)) && doc["_updatedAt"] != nil)
        #expect(harness.failure("a", "docs.insert", "notes", "[1]") == "INVALID_ARGUMENT")
        #expect(harness.failure("a", "docs.insert", "people", #"{"id":"ann"}"#) == "CONSTRAINT")
        #expect(harness.failure("a", "docs.insert", "bad name!", "{}") == "INVALID_ARGUMENT")
    }

    @Test func comparisonOperatorsAreTypeExact() throws {
        #expect(try ids(#"{"age":{"$gt":30}}"#) == ["ann", "dee"], "the string \"40\" is not a number")
        #expect(try ids(#"{"age":{"$gte":25,"$lt":31}}"#) == ["bob"])
        #expect(try ids(#"{"age":{"$lte":25}}"#) == ["bob"])
        #expect(try ids(#"{"age":"40"}"#) == ["cy"])
        #expect(try ids(#"{"age":{"$eq":31}}"#) == ["ann"])
        #expect(try ids(#"{"age":{"$ne":31}}"#) == ["bob", "cy", "dee"])
        #expect(try ids(#"{"active":true}"#) == ["ann", "cy"])
        #expect(try ids(#"{"active":{"$ne":true}}"#) == ["bob", "dee"])
    }

    @Test func setExistenceAndStringOperators() throws {
        #expect(try ids(#"{"name":{"$in":["Ann","Cy","Zed"]}}"#) == ["ann", "cy"])
        #expect(try ids(#"{"name":{"$nin":["Ann","Cy"]}}"#) == ["bob", "dee"])
        #expect(try ids(#"{"city":{"$exists":false}}"#) == ["cy"])
        #expect(try ids(#"{"note":{"$exists":true}}"#) == ["dee"], "a null field exists")
        #expect(try ids(#"{"note":null}"#) == ["ann", "bob", "cy", "dee"], "null matches null or missing")
        #expect(try ids(#"{"tags":{"$contains":"dev"}}"#) == ["ann", "bob"])
        #expect(try ids(#"{"name":{"$contains":"e"}}"#) == ["dee"])
        #expect(try ids(#"{"name":{"$startsWith":"B"}}"#) == ["bob"])
        #expect(try ids(#"{"city.name":"Oslo"}"#) == ["ann", "dee"], "dot paths reach nested fields")
        #expect(try ids(#"{"tags.0":"admin"}"#) == ["ann"])
    }

    @Test func logicalOperators() throws {
        #expect(try ids(#"{"$or":[{"name":"Ann"},{"age":{"$gt":40}}]}"#) == ["ann", "dee"])
        #expect(try ids(#"{"$and":[{"city.name":"Oslo"},{"age":{"$lt":40}}]}"#) == ["ann"])
        #expect(try ids(#"{"$not":{"city.name":"Oslo"}}"#) == ["bob", "cy"])
        #expect(try ids(#"{"age":{"$not":{"$gt":30}}}"#) == ["bob", "cy"])
    }

    @Test func sortLimitSkip() throws {
        #expect(try ids("{}", #"{"sort":{"name":-1}}"#) == ["dee", "cy", "bob", "ann"])
        #expect(try ids("{}", #"{"sort":"-name","limit":2}"#) == ["dee", "cy"])
        #expect(try ids("{}", #"{"sort":["name"],"limit":2,"skip":1}"#) == ["bob", "cy"])
        #expect(try ids("{}", "") == ["ann", "bob", "cy", "dee"], "insertion order by default")
        #expect(try harness.call("a", "docs.count", "people", #"{"active":true}"#) == "2")
    }

    @Test func updateOperators() throws {
        #expect(
            try harness.call("a", "docs.update", "people", #"{"id":"ann"}"#, #"{"age":32,"$inc":{"visits":2}}"#) == "1"
        )
        try harness.call(
            "a",
            "docs.update",
            "people",
            #"{"id":"ann"}"#,
            #"{"$push":{"tags":"ops"},"$pull":{"tags":"dev"}}"#
        )
        try harness.call("a", "docs.update", "people", #"{"id":"ann"}"#, #"{"$unset":{"city":1},"$set":{"a.b.c":1}}"#)
        harness.clock += 5
        try harness.call("a", "docs.update", "people", #"{"id":"ann"}"#, #"{"$inc":{"visits":1}}"#)
        let ann = try JSONValue.parse(try harness.call("a", "docs.get", "people", "ann"))
        #expect(ann["age"] == .number(32) && ann["visits"] == .number(3))
        #expect(ann["tags"] == .array([.string("admin"), .string("ops")]))
        #expect(ann["city"] == nil && ann["a"] == .object([("b", .object([("c", .number(1))]))]))
        #expect(ann["_updatedAt"] == .number(Double(harness.clock)) && ann["_createdAt"] != ann["_updatedAt"])
        #expect(harness.failure("a", "docs.update", "people", "{}", #"{"$rename":{"a":"b"}}"#) == "INVALID_QUERY")
        #expect(harness.failure("a", "docs.update", "people", "{}", #"{"id":"x"}"#) == "INVALID_QUERY")
        #expect(try harness.call("a", "docs.delete", "people", #"{"age":{"$gt":40}}"#) == "1")
        #expect(try harness.call("a", "docs.count", "people", "{}") == "3")
    }

    @Test func fieldNamesAreValidatedNeverSpliced() throws {
        for field in ["a') OR 1=1 --", "a b", "$where", "", "a..b", "x'y"] {
            let query = "{" + JSONValue.quoted(field) + ":1}"
            #expect(harness.failure("a", "docs.find", "people", query, "") == "INVALID_QUERY", "\(field)")
        }
        #expect(harness.failure("a", "docs.find", "people", #"{"$where":"1"}"#, "") == "INVALID_QUERY")
        #expect(harness.failure("a", "docs.find", "people", #"{"age":{"$regex":"x"}}"#, "") == "INVALID_QUERY")
        #expect(harness.failure("a", "docs.find", "people", "{", "") == "INVALID_QUERY")
        // Values are bound: a quote in a value is just data.
        #expect(try ids(#"{"name":"Ann' OR '1'='1"}"#).isEmpty)
    }

    @Test func createIndexBuildsAnExpressionIndexThatFindUses() throws {
        try harness.call("a", "docs.createIndex", "people", "city.name")
        let plan = try harness.store.read { connection -> String in
            let store = DocumentStore(connection: connection, app: "a", now: { 0 })
            let (sql, parameters) = try store.findSQL("people", try JSONValue.parse(#"{"city.name":"Oslo"}"#))
            return try connection.query("EXPLAIN QUERY PLAN " + sql, parameters) { $0.string(3) }.joined(
                separator: "; "
            )
        }
        #expect(plan.contains("USING INDEX docidx_"), "\(plan)")
        #expect(try ids(#"{"city.name":"Oslo"}"#) == ["ann", "dee"])
        // The same field in another app's collection is not covered by this app's index.
        let other = try harness.store.read { connection -> String in
            let store = DocumentStore(connection: connection, app: "b", now: { 0 })
            let (sql, parameters) = try store.findSQL("people", try JSONValue.parse(#"{"city.name":"Oslo"}"#))
            return try connection.query("EXPLAIN QUERY PLAN " + sql, parameters) { $0.string(3) }.joined(
                separator: "; "
            )
        }
        #expect(!other.contains("docidx_"), "\(other)")
    }

    @Test func collectionsAreIsolatedPerApp() throws {
        #expect(try harness.call("b", "docs.find", "people", "{}", "") == "[]")
        #expect(try harness.call("b", "docs.get", "people", "ann") == "null")
        #expect(try harness.call("b", "docs.delete", "people", "{}") == "0")
        #expect(try harness.call("b", "docs.update", "people", "{}", #"{"x":1}"#) == "0")
        #expect(try harness.call("a", "docs.count", "people", "{}") == "4")
    }
}

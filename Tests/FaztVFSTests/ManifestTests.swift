import FaztJSON
import Testing

@testable import FaztVFS

/// `fazt.json` is strict: unknown keys, wrong types and invalid JSON fail with a message that
/// names the place and, where one is close, the key that was meant.
@Suite struct ManifestTests {
    func failure(_ text: String) -> String? { manifestFailure(text) }

    @Test func acceptsEveryDocumentedKey() throws {
        let text = """
            {"name": "shop", "spa": true, "access": "owner", "debug": false,
             "cors": {"origins": ["https://a.example"], "methods": "GET", "headers": ["x-a"], "credentials": true, "maxAge": 60},
             "limits": {"timeoutMs": 5000, "memoryMB": 64},
             "env": {"GREETING": "hi", "N": 3, "ON": true},
             "schedules": [{"name": "nightly", "cron": "0 3 * * *", "handler": "jobs/n.js", "tz": "UTC",
                            "overlap": "queue", "misfire": "skip", "retries": 2, "timeoutMs": 1000}],
             "events": {"app:shop.order.*": "handlers/order.js"},
             "permissions": ["events:app:other.*"],
             "webhooks": {"github": {"secret": "GH", "signature": "github"}, "open": {"signature": "none"}}}
            """
        let manifest = try Manifest.parse(Array(text.utf8))
        #expect(manifest.name == "shop" && manifest.spa && manifest.access == .owner)
        #expect(manifest.cors?.origins == ["https://a.example"] && manifest.cors?.maxAge == 60)
        #expect(manifest.timeoutMs == 5000 && manifest.memoryMB == 64)
        #expect(manifest.webhooks["github"]?.secret == "GH" && manifest.webhooks["open"]?.secret == nil)
    }

    @Test func unknownTopLevelKeysNameTheClosestKnownKey() {
        #expect(failure(#"{"schedule": []}"#) == #"fazt.json: unknown key "schedule" (did you mean "schedules"?)"#)
        #expect(failure(#"{"envs": {}}"#) == #"fazt.json: unknown key "envs" (did you mean "env"?)"#)
        #expect(failure(#"{"environment": {}}"#) == #"fazt.json: unknown key "environment" (did you mean "env"?)"#)
        #expect(failure(#"{"SPA": true}"#) == #"fazt.json: unknown key "SPA" (did you mean "spa"?)"#)
        #expect(failure(#"{"flavour": "x"}"#) == #"fazt.json: unknown key "flavour""#)
    }

    @Test func unknownNestedKeysNameTheirPath() {
        #expect(
            failure(#"{"cors": {"origin": "*"}}"#)
                == #"fazt.json: unknown key "cors.origin" (did you mean "cors.origins"?)"#
        )
        #expect(
            failure(#"{"limits": {"timeout": 5}}"#)
                == #"fazt.json: unknown key "limits.timeout" (did you mean "limits.timeoutMs"?)"#
        )
        #expect(
            failure(#"{"schedules": [{"name": "a", "cron": "@daily", "hanlder": "j.js"}]}"#)
                == #"fazt.json: unknown key "schedules[0].hanlder" (did you mean "schedules[0].handler"?)"#
        )
        #expect(
            failure(#"{"webhooks": {"gh": {"secret": "S", "sig": "github"}}}"#)
                == #"fazt.json: unknown key "webhooks.gh.sig""#
        )
        #expect(
            failure(#"{"webhooks": {"gh": {"secrets": "S"}}}"#)
                == #"fazt.json: unknown key "webhooks.gh.secrets" (did you mean "webhooks.gh.secret"?)"#
        )
    }

    @Test func wrongTypesNameTheKeyAndTheExpectedType() {
        #expect(failure(#"{"spa": "yes"}"#) == #"fazt.json: "spa" must be true or false"#)
        #expect(
            failure(#"{"limits": {"timeoutMs": 1.5}}"#)
                == #"fazt.json: "limits.timeoutMs" must be a positive whole number"#
        )
        #expect(
            failure(#"{"limits": {"memoryMB": true}}"#)
                == #"fazt.json: "limits.memoryMB" must be a positive whole number"#
        )
        #expect(failure(#"{"schedules": {}}"#) == #"fazt.json: "schedules" must be a list of objects"#)
        #expect(failure(#"{"schedules": ["x"]}"#) == #"fazt.json: "schedules[0]" must be an object"#)
        #expect(
            failure(#"{"permissions": "events:app:x.*"}"#) == #"fazt.json: "permissions" must be a list of strings"#
        )
        #expect(failure(#"{"events": {"a.b": 3}}"#) == #"fazt.json: "events.a.b" must be a string"#)
        #expect(failure(#"{"access": "private"}"#) == #"fazt.json: "access" must be "public" or "owner""#)
        #expect(failure(#"{"env": {"A": [1]}}"#) == #"fazt.json: "env.A" must be a string, number or boolean"#)
        #expect(failure(#"[1]"#) == "fazt.json must be a JSON object")
    }

    @Test func invalidJSONNamesLineAndColumn() {
        #expect(
            failure("{\n  \"name\": \"x\",\n  \"spa\": tru\n}")
                == "fazt.json is not valid JSON: line 3, column 10: expected a value (a string, number, object, list, true, false or null)"
        )
        #expect(
            failure("{\n  \"name\": \"x\"\n  \"spa\": true\n}")
                == "fazt.json is not valid JSON: line 3, column 3: expected ',' or '}' after a member"
        )
        #expect(
            failure("{\"name\": \"x\",}")
                == "fazt.json is not valid JSON: line 1, column 14: a comma before '}' is not allowed"
        )
        #expect(failure("{oops") == "fazt.json is not valid JSON: line 1, column 2: expected a key in double quotes")
        #expect(
            failure("{\"a\": \"é\", \"b\": 'x'}")
                == "fazt.json is not valid JSON: line 1, column 17: strings need double quotes, not single quotes"
        )
    }

    @Test func readsStringsWithEscapes() throws {
        let value = try ManifestJSON.parse(Array(#"{"a": "x\n\"\u00e9\ud83d\ude00", "b": [1, -2.5e3, null]}"#.utf8))
        #expect(value["a"] == .string("x\n\"é😀"))
        #expect(value["b"] == .array([.number(1), .number(-2500), .null]))
    }

    @Test func skipsAByteOrderMark() throws {
        #expect(try Manifest.parse([0xEF, 0xBB, 0xBF] + Array(#"{"spa": true}"#.utf8)).spa)
    }

    @Test func storedManifestsKeepTheirSettingsDespiteUnknownKeys() throws {
        let text = #"{"access": "owner", "legacy": 1}"#
        #expect(throws: VFSError.self) { try Manifest.parse(Array(text.utf8)) }
        #expect(try Manifest.parse(Array(text.utf8), strict: false).access == .owner)
    }
}

/// The `badManifest` message `text` is refused with, or nil when it parses.
func manifestFailure(_ text: String) -> String? {
    do {
        _ = try Manifest.parse(Array(text.utf8))
        return nil
    } catch {
        #expect(error.code == .badManifest)
        return error.message
    }
}

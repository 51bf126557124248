import FaztNet
import FaztVFS
import Testing

@Suite struct ManifestEgressTests {
    @Test func readsTheEgressList() throws {
        let manifest = try Manifest.parse(Array(#"{"egress": ["api.github.com", "*.slack.com"]}"#.utf8))
        #expect(manifest.egress == HostAllowlist(["api.github.com", "*.slack.com"]))
        #expect(try Manifest.parse(Array("{}".utf8)).egress == nil)
        #expect(try Manifest.parse(Array(#"{"egress": []}"#.utf8)).egress == HostAllowlist([]))
    }

    @Test func badEntriesNameTheEntry() {
        #expect(manifestFailure(#"{"egress": ["ok.com", "https://x.com"]}"#)?.contains("\"https://x.com\"") == true)
        #expect(manifestFailure(#"{"egress": ["X.com"]}"#)?.contains("lower-case") == true)
        #expect(manifestFailure(#"{"egress": ["x.com:80"]}"#)?.contains("port") == true)
        #expect(manifestFailure(#"{"egress": ["a.*.com"]}"#)?.contains("\"a.*.com\"") == true)
        #expect(manifestFailure(#"{"egress": "x.com"}"#)?.contains("\"egress\"") == true)
        #expect(manifestFailure(#"{"egress": [1]}"#)?.contains("egress") == true)
    }

    @Test func allowsAtMostOneHundredEntries() {
        let entries = (0...100).map { "\"h\($0).example\"" }.joined(separator: ",")
        #expect(manifestFailure("{\"egress\": [\(entries)]}")?.contains("at most 100") == true)
        let fewer = (0..<100).map { "\"h\($0).example\"" }.joined(separator: ",")
        #expect(manifestFailure("{\"egress\": [\(fewer)]}") == nil)
    }
}

import FaztNet
import Testing

@Suite struct HostAllowlistTests {
    let list = HostAllowlist(["api.github.com", "*.slack.com", "203.0.113.7", "[2001:db8::1]"])

    @Test(arguments: ["api.github.com", "API.GitHub.com", "api.github.com.", "a.slack.com", "x.y.slack.com"])
    func allowsListedHostsAndSuffixes(_ host: String) {
        #expect(list.allows(host))
    }

    @Test(arguments: ["slack.com", "evilslack.com", "a.slack.com.evil.net", "github.com", "x.api.github.com", ""])
    func refusesOtherHosts(_ host: String) {
        #expect(!list.allows(host))
    }

    @Test func ipLiteralsMatchOnlyWhenListed() {
        #expect(list.allows("203.0.113.7"))
        #expect(!list.allows("203.0.113.8"))
        #expect(list.allows("2001:db8::1") && list.allows("[2001:db8::1]"))
        #expect(!list.allows("127.0.0.1"))
        #expect(!HostAllowlist(["*.slack.com"]).allows("1.2.3.4"))
    }

    @Test func readsTheHostOfAURL() {
        #expect(HostAllowlist.host(of: "https://api.github.com/repos?x=1") == "api.github.com")
        #expect(HostAllowlist.host(of: "http://user:pw@a.slack.com:8080/x") == "a.slack.com")
        #expect(HostAllowlist.host(of: "http://[2001:db8::1]:80/") == "2001:db8::1")
        #expect(HostAllowlist.host(of: "http://evil.com#@api.github.com") == "evil.com")
        #expect(HostAllowlist.host(of: "no-scheme") == nil)
    }

    @Test(arguments: ["api.github.com", "*.slack.com", "localhost", "10.0.0.1", "[::1]", "2001:db8::1", "a_b.example"])
    func acceptsValidPatterns(_ pattern: String) {
        #expect(HostAllowlist.problem(with: pattern) == nil)
    }

    @Test(
        arguments: [
            ("", "empty"), ("API.github.com", "lower-case"), ("https://api.github.com", "scheme"),
            ("api.github.com/x", "path"), ("api.github.com:443", "port"), ("a.*.com", "first label"),
            ("*", "suffix"), ("*example.com", "first label"), ("a..com", "empty label"), ("a b.com", "letters"),
        ]
    )
    func refusesBadPatternsNamingTheProblem(_ pattern: String, _ problem: String) {
        #expect(HostAllowlist.problem(with: pattern)?.contains(problem) == true, "\(pattern)")
    }

    @Test func refusesAnUnlistedHostBeforeConnecting() {
        var policy = EgressPolicy()
        policy.allowedHosts = HostAllowlist(["api.github.com"])
        #expect(policy.refusal(for: "https://api.github.com/x") == nil)
        do {
            _ = try Egress.perform(
                EgressRequest(url: "http://example.com/", method: "GET", headers: [], body: nil),
                policy: policy
            )
            Issue.record("an unlisted host was fetched")
        } catch {
            #expect(error.code == "NET_BLOCKED")
            #expect(error.message.contains("\"example.com\""))
        }
    }
}

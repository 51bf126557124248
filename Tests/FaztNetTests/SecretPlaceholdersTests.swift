import Testing

@testable import FaztNet

@Suite struct SecretPlaceholdersTests {
    let values: (String) -> [UInt8] = { Array("v:\($0)/x y".utf8) }

    @Test func namesAreFoundInEveryForm() {
        let text = Array(
            "a {{secret:ONE}} b %7B%7Bsecret%3ATWO%7D%7D c %7b%7bsecret:three%7d%7d {{secret:}} {{secret:BAD-}}".utf8
        )
        #expect(SecretPlaceholders.names(in: text) == ["ONE", "TWO", "three"])
        #expect(SecretPlaceholders.mayContain(text))
        #expect(!SecretPlaceholders.mayContain(Array("no placeholders {{here}}".utf8)))
    }

    @Test func bodiesAndHeadersGetTheValueAsIs() {
        let filled = SecretPlaceholders.substitute(Array("k={{secret:KEY}}&z".utf8), values)
        #expect(String(decoding: filled, as: UTF8.self) == "k=v:KEY/x y&z")
    }

    @Test func theQueryGetsItPercentEncodedAndTheHostOrPathNever() throws {
        let url = try SecretPlaceholders.substitute(
            url: "https://api.example.com/p?k=%7B%7Bsecret%3AKEY%7D%7D#f",
            values
        )
        #expect(url == "https://api.example.com/p?k=v%3AKEY%2Fx%20y#f")
        #expect(throws: EgressError.self) {
            try SecretPlaceholders.substitute(url: "https://api.example.com/{{secret:KEY}}?a=1", values)
        }
        #expect(throws: EgressError.self) {
            try SecretPlaceholders.substitute(url: "https://x.com/?a=1#{{secret:KEY}}", values)
        }
    }

    @Test func redactionCoversRawEncodedJSONAndBase64Forms() {
        var redactor = Redactor()
        let secret = Array("p@ss/wörd\"1".utf8)
        redactor.add(secret)
        redactor.add(Array("abc".utf8))  // too short to look for
        let echoed =
            #"raw p@ss/wörd"1, url p%40ss%2Fw%C3%B6rd%221, json "p@ss\/wörd\"1" or "p@ss/wörd\"1", b64 cEBzcy93w7ZyZCIx, abc"#
        let clean = redactor.redact(echoed)
        #expect(!clean.contains("p@ss") && !clean.contains("p%40ss") && !clean.contains("cEBzcy93w7ZyZCIx"), "\(clean)")
        #expect(clean.contains("raw [REDACTED], url [REDACTED]") && clean.hasSuffix("abc"), "\(clean)")
    }

    @Test func credentialBindingsRefuseOtherHosts() {
        var policy = EgressPolicy()
        policy.credentialHosts = [HostAllowlist(["*.stripe.com"]), HostAllowlist(["api.stripe.com"])]
        #expect(policy.credentialRefusal(host: "api.stripe.com") == nil)
        #expect(policy.credentialRefusal(host: "files.stripe.com")?.code == "NET_AUTH")
        #expect(policy.credentialRefusal(host: "evil.com")?.message.contains("\"evil.com\"") == true)
    }
}

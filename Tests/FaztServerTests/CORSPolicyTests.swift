import FaztVFS
import NIOHTTP1
import Testing

@testable import FaztServer

@Suite struct CORSPolicyTests {
    static func options(origins: [String], credentials: Bool = false, headers: [String]? = nil) -> Manifest.CORSOptions
    {
        var options = Manifest.CORSOptions()
        options.origins = origins
        options.credentials = credentials
        options.headers = headers
        return options
    }

    @Test func defaultAllowsAnyOriginWithoutCredentials() {
        let preflight = CORSPolicy.preflight(
            HTTPHeaders([("Origin", "https://a.example"), ("Access-Control-Request-Headers", "x-one")]),
            options: nil
        )
        #expect(preflight.status == .noContent)
        #expect(preflight.headers.first(name: "Access-Control-Allow-Origin") == "*")
        #expect(preflight.headers.first(name: "Access-Control-Allow-Headers") == "x-one")
        #expect(preflight.headers.first(name: "Access-Control-Allow-Credentials") == nil)
    }

    @Test func listedOriginsAreEchoedAndOthersGetNothing() {
        let options = Self.options(origins: ["https://ok.example"], headers: ["x-token"])
        #expect(CORSPolicy.allowedOrigin("https://ok.example", options: options) == "https://ok.example")
        #expect(CORSPolicy.allowedOrigin("https://evil.example", options: options) == nil)
        let denied = CORSPolicy.preflight(HTTPHeaders([("Origin", "https://evil.example")]), options: options)
        #expect(denied.headers.first(name: "Access-Control-Allow-Origin") == nil)
        let allowed = CORSPolicy.preflight(
            HTTPHeaders([("Origin", "https://ok.example"), ("Access-Control-Request-Headers", "x-other")]),
            options: options
        )
        #expect(allowed.headers.first(name: "Access-Control-Allow-Headers") == "x-token")
    }

    @Test func credentialsNeverPairWithAWildcard() {
        let options = Self.options(origins: ["*"], credentials: true)
        #expect(CORSPolicy.allowedOrigin("https://a.example", options: options) == "https://a.example")
        var response = Response(status: .ok)
        CORSPolicy.decorate(&response, request: HTTPHeaders([("Origin", "https://a.example")]), options: options)
        #expect(response.headers.first(name: "Access-Control-Allow-Origin") == "https://a.example")
        #expect(response.headers.first(name: "Access-Control-Allow-Credentials") == "true")
        #expect(response.headers.first(name: "Vary") == "Origin")
    }

    @Test func leavesAHandlersOwnHeaderAndRequestsWithoutOrigin() {
        var own = Response(status: .ok, headers: HTTPHeaders([("Access-Control-Allow-Origin", "https://mine.example")]))
        CORSPolicy.decorate(&own, request: HTTPHeaders([("Origin", "https://a.example")]), options: nil)
        #expect(own.headers[canonicalForm: "Access-Control-Allow-Origin"] == ["https://mine.example"])
        var plain = Response(status: .ok)
        CORSPolicy.decorate(&plain, request: HTTPHeaders(), options: nil)
        #expect(!plain.headers.contains(name: "Access-Control-Allow-Origin"))
    }
}

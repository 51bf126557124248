import NIOHTTP1
import Testing

@testable import FaztServer

@Suite struct RequestPolicyTests {
    private func policy(_ method: HTTPMethod, _ uri: String, host: String = "localhost") -> RequestPolicy {
        var configuration = ServerConfiguration()
        configuration.maxBodyBytes = 2 << 20
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: ["Host": host])
        return RequestPolicy(head: head, configuration: configuration)
    }

    @Test func deployUploadsSpoolUnderTheUploadLimit() {
        let upload = policy(.POST, "/_fazt/api/v1/apps/blog/deploy")
        #expect(upload.body == .spool)
        #expect(upload.limit == ServerConfiguration().deployLimits.maxUploadBytes)
        #expect(upload.checksTokenBeforeTooLarge)
        #expect(upload.tooLarge.status == .payloadTooLarge)
    }

    @Test func routesKeepOnlyTheBodiesTheyUse() {
        #expect(policy(.POST, "/_fazt/api/v1/apps").body == .collect)
        #expect(policy(.GET, "/style.css", host: "blog.localhost").body == .discard)
        #expect(policy(.POST, "/x").body == .discard)
        #expect(!policy(.POST, "/_fazt/api/v1/health").checksTokenBeforeTooLarge)
    }

    @Test func theQueryIsSplitOffOnce() {
        let request = policy(.GET, "/a?b=1&c", host: "blog.localhost")
        #expect(request.query == "b=1&c")
        #expect(request.route == .app(name: "blog", path: "/a"))
        #expect(request.limit == 2 << 20)
    }
}

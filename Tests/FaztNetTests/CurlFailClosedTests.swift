import CCurl
import Testing

@testable import FaztNet

/// A libcurl option that cannot be set refuses the request: the egress policy is never skipped.
@Suite(.serialized) struct CurlFailClosedTests {
    @Test(
        arguments: [
            CURLOPT_PROTOCOLS_STR, CURLOPT_REDIR_PROTOCOLS_STR, CURLOPT_OPENSOCKETFUNCTION, CURLOPT_OPENSOCKETDATA,
            CURLOPT_MAXREDIRS, CURLOPT_TIMEOUT, CURLOPT_WRITEFUNCTION,
        ]
    )
    func aRefusedOptionRefusesTheFetch(_ option: CURLoption) {
        CurlEasy.refusedForTesting = [option.rawValue]
        defer { CurlEasy.refusedForTesting = [] }
        let request = EgressRequest(url: "http://127.0.0.1:1/", method: "GET", headers: [], body: nil)
        do {
            _ = try Egress.perform(request, policy: EgressPolicy())
            Issue.record("the fetch ran without its options")
        } catch {
            #expect(error.message.contains("libcurl refused"), "\(error.message)")
            #expect(error.message.contains("the request was not made"))
        }
    }

    @Test func theClientRefusesToo() {
        CurlEasy.refusedForTesting = [CURLOPT_TIMEOUT.rawValue]
        defer { CurlEasy.refusedForTesting = [] }
        #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient.perform(method: "GET", url: "http://127.0.0.1:1/")
        }
    }

    @Test func withEveryOptionSetTheTransferRuns() {
        let request = EgressRequest(url: "http://127.0.0.1:1/", method: "GET", headers: [], body: nil)
        do {
            _ = try Egress.perform(request, policy: EgressPolicy())
            Issue.record("nothing listens on port 1")
        } catch {
            // The policy itself refuses loopback: the transfer got as far as opening a socket.
            #expect(error.message.contains("private or loopback"), "\(error.message)")
        }
    }
}

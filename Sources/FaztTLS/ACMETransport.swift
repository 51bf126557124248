import FaztNet

/// How the ACME client reaches the CA: one HTTP request, its status, headers and body.
protocol ACMETransport: Sendable {
    func send(method: String, url: String, headers: [String], body: [UInt8]?) throws -> HTTPClientExchange
}

/// The ACME transport over our libcurl client; `caFile` trusts a private CA (Pebble's) instead
/// of the system roots.
struct CurlACMETransport: ACMETransport {
    var caFile: String?

    func send(method: String, url: String, headers: [String], body: [UInt8]?) throws -> HTTPClientExchange {
        do {
            return try HTTPClient.exchange(
                method: method,
                url: url,
                headers: headers + ["User-Agent: fazt-acme"],
                body: body,
                caFile: caFile,
                timeoutSeconds: 60
            )
        } catch let error as HTTPClientError {
            throw TLSError(.acme, "cannot reach the ACME server: \(error.message)")
        }
    }
}

import NIOCore
import NIOHTTP1
import Testing

@testable import FaztServer

@Suite struct ResponseEncodingTests {
    static func head(_ response: Response, hsts: Bool) -> String {
        let framing = ResponseEncoding.Framing(
            version: .http1_1,
            date: "Tue, 01 Dec 2026 00:00:00 GMT",
            connection: nil,
            includeBody: true,
            strictTransportSecurity: hsts
        )
        let (head, _) = ResponseEncoding.encode(response, framing: framing, allocator: ByteBufferAllocator())
        return String(buffer: head)
    }

    /// The HTTPS listener's heads carry one HSTS line; an app's own header wins; plain HTTP has none.
    @Test func strictTransportSecurityOnlyOverHTTPSAndNeverTwice() {
        let page = Response.text(.ok, "hi")
        #expect(Self.head(page, hsts: true).contains("\r\nStrict-Transport-Security: max-age=31536000\r\n"))
        #expect(!Self.head(page, hsts: false).contains("Strict-Transport-Security"))
        var own = Response.text(.ok, "hi")
        own.headers.add(name: "strict-transport-security", value: "max-age=60")
        let text = Self.head(own, hsts: true)
        #expect(text.contains("strict-transport-security: max-age=60") && !text.contains("max-age=31536000"), "\(text)")
    }
}

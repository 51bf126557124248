import FaztAPI
import FaztKernel
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import FaztServer

/// `KernelError`s become the statuses and codes the control API answered before the stores left
/// this module, and key or delivery failures keep their detail out of the body.
@Suite struct ErrorMappingTests {
    private func mapped(_ error: KernelError) throws -> (HTTPResponseStatus, ErrorBody) {
        let response = ErrorMapping.response(for: error)
        let body = try #require(response.body)
        return (response.status, try JSONDecoder().decode(ErrorBody.self, from: Data(body.readableBytesView)))
    }

    @Test func refusedValuesAreTheCallersError() throws {
        let (status, body) = try mapped(KernelError(.invalidArgument, "invalid env key '1A'"))
        #expect(status == .badRequest)
        #expect(body.error.code == "bad_request" && body.error.message == "invalid env key '1A'")
        let (large, largeBody) = try mapped(KernelError(.tooLarge, "env values are limited to 64 KB"))
        #expect(large == .payloadTooLarge && largeBody.error.code == "too_large")
    }

    @Test func keyAndDeliveryFailuresHideTheirDetail() throws {
        for error in [KernelError(.secret, "cannot create /srv/fazt.key"), KernelError(.delivery, "host down")] {
            let (status, body) = try mapped(error)
            #expect(status == .internalServerError)
            #expect(body.error.code == "internal" && body.error.message == "internal error")
        }
    }
}

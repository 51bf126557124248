import FaztTestSupport
import Foundation
import Testing

@testable import FaztServer

@Suite struct MultipartTests {
    @Test func readsTheBoundaryParameter() {
        #expect(Multipart.boundary(from: "multipart/form-data; boundary=abc") == "abc")
        #expect(Multipart.boundary(from: #"multipart/form-data; charset=utf-8; boundary="a b""#) == "a b")
        #expect(Multipart.boundary(from: "multipart/form-data") == nil)
    }

    @Test func extractsTheFileFieldAmongOthers() throws {
        let directory = try TemporaryDirectory()
        let payload: [UInt8] = [0, 1, 2, 13, 10, 45, 45, 255]
        var body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
        body += Array(
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.zip\"\r\nContent-Type: application/zip\r\n\r\n"
                .utf8
        )
        body += payload
        body += Array("\r\n--XyZ--\r\n".utf8)
        let input = try ArchiveFixtures.write(body, in: directory)
        let output = directory.path + "/out"
        try Multipart.extractFile(from: input, boundary: "XyZ", field: "file", to: output)
        #expect(FileManager.default.contents(atPath: output).map { [UInt8]($0) } == payload)
    }

    @Test func explainsAMissingField() throws {
        let directory = try TemporaryDirectory()
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n".utf8)
        let input = try ArchiveFixtures.write(body, in: directory)
        #expect(throws: APIError.self) {
            try Multipart.extractFile(from: input, boundary: "b", field: "file", to: directory.path + "/o")
        }
    }
}
